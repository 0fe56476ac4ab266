import { describeCollectionStoreContract } from '@exsync/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { EwsCollectionStore } from './ews-collection-store';
import { ALICE, type SimHarness, startSimulator } from './test-simulator';

let h: SimHarness;
let n = 0;
beforeAll(async () => {
  h = await startSimulator();
});
afterAll(() => h?.close());

const FOLDER_KIND = { calendar: 'calendar', addressbook: 'contacts', tasks: 'tasks' } as const;

describeCollectionStoreContract('EWS (simulated Exchange)', {
  // A fresh folder of Alice's mailbox per test: the store addresses it by FolderId, as for a secondary calendar.
  createStore: (kind) => {
    const folder = h.sim.store.createFolder(ALICE, { kind: FOLDER_KIND[kind], displayName: `contract ${++n}` });
    return { store: new EwsCollectionStore(h.config({ id: folder.id, kind })) };
  },
});
