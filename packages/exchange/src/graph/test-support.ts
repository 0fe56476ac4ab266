import type { CollectionKind } from '@exsync/core';
import { createSimulator, DEMO, type SimulatorHandle, seedDemoTenant } from '@exsync/exchange-sim';
import { GraphClient, type GraphClientOptions } from './graph-client';
import { GraphCollectionStore } from './graph-collection-store';
import { MsalTokenProvider } from './token-provider';

export const ALICE = 'alice@contoso.com';

export interface GraphTestBed {
  readonly handle: SimulatorHandle;
  readonly sim: SimulatorHandle['sim'];
  readonly graphUrl: string;
  client(options?: Partial<GraphClientOptions>): GraphClient;
  /** A new, empty folder of `kind` in Alice's mailbox, and a store on it. */
  freshStore(kind: CollectionKind, client?: GraphClient): Promise<{ store: GraphCollectionStore; folderId: string }>;
  close(): Promise<void>;
}

/** A listening simulator with the demo tenant; tokens come from its Entra endpoint through real msal-node. */
export async function startGraphTestBed(options: Parameters<typeof createSimulator>[0] = {}): Promise<GraphTestBed> {
  const handle = createSimulator(options);
  seedDemoTenant(handle.sim);
  const urls = await handle.listen(0);
  const tokens = new MsalTokenProvider({
    tenantId: handle.sim.tenantId,
    clientId: DEMO.clientId,
    credential: { kind: 'secret', clientSecret: DEMO.clientSecret },
    authority: `https://login.sim.invalid/${handle.sim.tenantId}`,
    knownAuthorities: ['login.sim.invalid'],
    authorityMetadata: handle.sim.msalAuthorityMetadata(),
  });
  let counter = 0;
  const bed: GraphTestBed = {
    handle,
    sim: handle.sim,
    graphUrl: urls.graph,
    client: (o = {}) => new GraphClient({ baseUrl: urls.graph, tokens, ...o }),
    async freshStore(kind, client = bed.client()) {
      counter += 1;
      const sim = handle.sim;
      const folderKind = kind === 'calendar' ? 'calendar' : kind === 'addressbook' ? 'contacts' : 'tasks';
      const folder = sim.store.createFolder(sim.store.getMailbox(ALICE).id, {
        kind: folderKind,
        displayName: `contract ${kind} ${counter}`,
      });
      return {
        folderId: folder.graphId,
        store: new GraphCollectionStore({ client, user: ALICE, kind, folderId: folder.graphId }),
      };
    },
    close: () => handle.close(),
  };
  return bed;
}
