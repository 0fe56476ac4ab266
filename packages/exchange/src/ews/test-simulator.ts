import { createSimulator, type Simulator } from '@exsync/exchange-sim';
import type { EwsAuth, EwsConnectionConfig, EwsFolder } from './connection-config';

/** Test support: an Exchange simulator over HTTP with one impersonating service account and an EWS app. */
export const PASSWORD = 'Passw0rd!';
export const ALICE = 'alice@contoso.com';
export const BOB = 'bob@contoso.com';

export interface SimHarness {
  readonly sim: Simulator;
  readonly url: string;
  config(folder: EwsFolder, auth?: EwsAuth, mailbox?: string): EwsConnectionConfig;
  close(): Promise<void>;
}

export async function startSimulator(): Promise<SimHarness> {
  const handle = createSimulator({ seed: 'exsync-ews-store' });
  const sim = handle.sim;
  sim.store.createMailbox({ smtpAddress: ALICE, displayName: 'Alice Example' });
  sim.store.createMailbox({ smtpAddress: BOB, displayName: 'Bob Example' });
  sim.directory.addServiceAccount({
    username: 'svc-sync',
    password: PASSWORD,
    domain: 'CONTOSO',
    impersonation: [ALICE],
  });
  sim.directory.addApp({ clientId: 'app-ews', displayName: 'exsync', secrets: ['s3cret'] });
  const urls = await handle.listen(0);
  return {
    sim,
    url: urls.ews,
    config: (folder, auth = basic(), mailbox = ALICE) => ({ url: urls.ews, auth, mailbox, folder, timeoutMs: 3000 }),
    close: () => handle.close(),
  };
}

export const basic = (password = PASSWORD): EwsAuth => ({ kind: 'basic', username: 'CONTOSO\\svc-sync', password });
