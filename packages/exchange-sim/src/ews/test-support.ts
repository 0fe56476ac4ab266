/**
 * Test harness for the EWS face: a simulator with two mailboxes, service accounts and an app registration, served
 * over real HTTP (ews-javascript-api needs a URL), plus a timeout wrapper for every library call (reference §2.4:
 * some failures never settle the library's promise).
 */
import { buildServer } from '../server';
import { Simulator } from '../simulator';

export const PASSWORD = 'Passw0rd!';
export const ALICE = 'alice@contoso.com';
export const BOB = 'bob@contoso.com';
export const CAROL = 'carol@contoso.com';

export interface Harness {
  readonly sim: Simulator;
  readonly url: string;
  close(): Promise<void>;
}

export async function startEws(opts: { frozenAt?: number } = {}): Promise<Harness> {
  const sim = new Simulator({
    seed: 'ews-tests',
    ...(opts.frozenAt !== undefined ? { clock: { start: opts.frozenAt, frozen: true } } : {}),
  });
  sim.store.createMailbox({ smtpAddress: ALICE, displayName: 'Alice Example' });
  sim.store.createMailbox({ smtpAddress: BOB, displayName: 'Bob Example' });
  sim.store.createMailbox({ smtpAddress: CAROL, displayName: 'Carol Example' });
  sim.directory.addServiceAccount({
    username: 'svc-sync',
    password: PASSWORD,
    domain: 'CONTOSO',
    impersonation: [ALICE, BOB],
  });
  sim.directory.addServiceAccount({
    username: 'alice',
    password: PASSWORD,
    domain: 'CONTOSO',
    impersonation: false,
    mailbox: ALICE,
  });
  sim.directory.addApp({ clientId: 'app-ews', displayName: 'exsync', secrets: ['s3cret'] });
  sim.directory.addApp({
    clientId: 'app-graph-only',
    displayName: 'graph only',
    secrets: ['s3cret'],
    roles: { graph: ['Calendars.ReadWrite'], ews: [] },
  });
  const app = buildServer(sim);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { sim, url: `${url}/EWS/Exchange.asmx`, close: () => app.close() };
}

export function withTimeout<T>(p: Promise<T>, ms = 5000, what = 'EWS call'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]);
}

/** POSTs raw SOAP with Basic auth as the service account; returns status and body. */
export async function rawSoap(
  url: string,
  body: string,
  opts: { header?: string; auth?: string; anchor?: string } = {},
): Promise<{ status: number; body: string; headers: Headers }> {
  const envelope =
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">' +
    `<soap:Header>${opts.header ?? `<t:RequestServerVersion Version="Exchange2013_SP1"/><t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>${ALICE}</t:SmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>`}</soap:Header>` +
    `<soap:Body>${body}</soap:Body></soap:Envelope>`;
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'text/xml; charset=utf-8',
      authorization: opts.auth ?? `Basic ${Buffer.from(`CONTOSO\\svc-sync:${PASSWORD}`).toString('base64')}`,
      'x-anchormailbox': opts.anchor ?? ALICE,
    },
    body: envelope,
  });
  return { status: res.status, body: await res.text(), headers: res.headers };
}
