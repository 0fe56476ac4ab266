import type { PimItem } from '@exsync/core';
import { sampleContact, sampleEvent, sampleTask } from '@exsync/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EwsCollectionStore } from './ews-collection-store';
import { ALICE, type SimHarness, startSimulator } from './test-simulator';

/**
 * "Applied, reply lost" over EWS: Exchange saves the CreateItem, but the answer never arrives (a reset, or silence
 * past our timeout). EWS has no idempotency key, so the create must never be sent again blindly: the store finds
 * the item by our marker and reports it. Reads are resent (they change nothing).
 */
let h: SimHarness;
beforeAll(async () => {
  h = await startSimulator();
});
afterAll(() => h.close());

const cases: ['calendar' | 'contacts' | 'tasks', (uid: string) => PimItem][] = [
  ['calendar', (uid) => sampleEvent(uid, '2030-03-04T09:00:00Z', { summary: 'Lost reply' })],
  ['contacts', (uid) => sampleContact(uid)],
  ['tasks', (uid) => sampleTask(uid, { summary: 'Lost reply' })],
];
let n = 0;

describe('an EWS create whose reply is lost is stored once and reported', () => {
  for (const [kind, item] of cases) {
    for (const after of ['reset', 'timeout'] as const) {
      it(`${kind}: after a ${after}`, async () => {
        const folder = h.sim.store.createFolder(ALICE, { kind, displayName: `lost ${kind} ${++n}` });
        const store = new EwsCollectionStore({
          ...h.config({ id: folder.id, kind: kind === 'contacts' ? 'addressbook' : kind }),
          timeoutMs: 1500,
        });
        h.sim.injectFault({ face: 'ews', operation: 'CreateItem' }, { kind: 'replyLost', after, holdMs: 3000 });
        const uid = `lost-ews-${kind}-${after}`;
        const created = await store.create(item(uid), { marker: uid });
        expect(h.sim.store.listItems(folder.id)).toHaveLength(1);
        const found = [];
        for await (const r of store.getMany([created.ref.href])) found.push(r);
        expect(found).toMatchObject([{ found: true, fetched: { marker: uid } }]);
      }, 20_000);
    }
  }

  it('a read whose connection was reset is sent again and succeeds', async () => {
    const folder = h.sim.store.createFolder(ALICE, { kind: 'calendar', displayName: `lost read ${++n}` });
    const store = new EwsCollectionStore(h.config({ id: folder.id, kind: 'calendar' }), {
      retry: { retries: 2, maxWaitMs: 1000, baseWaitMs: 10 },
    });
    const token = await store.startToken({ start: '2030-03-01T00:00:00Z', end: '2030-04-01T00:00:00Z' });
    h.sim.injectFault({ face: 'ews', operation: 'SyncFolderItems' }, { kind: 'reset' });
    expect((await store.changesSince(token)).changes).toEqual([]);
  });
});
