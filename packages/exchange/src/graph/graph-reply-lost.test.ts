import { type CollectionKind, type PimItem, RetryableError, type WriteResult } from '@exsync/core';
import { sampleContact, sampleEvent, sampleTask } from '@exsync/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GraphTestBed, startGraphTestBed } from './test-support';

/**
 * "Applied, reply lost": Graph stores the create, but the answer never reaches us (a reset, or silence past our
 * timeout). Resending the POST would create a second item unless the server deduplicates it (events carry a
 * transactionId; contacts and To Do tasks have none). Whatever the kind, exactly one item may exist afterwards.
 */
let bed: GraphTestBed;
beforeAll(async () => {
  bed = await startGraphTestBed();
});
afterAll(() => bed.close());

const cases: [CollectionKind, string, (uid: string) => PimItem][] = [
  ['calendar', '/events', (uid) => sampleEvent(uid, '2030-03-04T09:00:00Z', { summary: 'Lost reply' })],
  ['addressbook', '/contacts', (uid) => sampleContact(uid)],
  ['tasks', '/tasks', (uid) => sampleTask(uid, { summary: 'Lost reply' })],
];

describe('a Graph create whose reply is lost is stored once', () => {
  for (const [kind, path, item] of cases) {
    for (const after of ['reset', 'timeout'] as const) {
      it(`${kind}: after a ${after}, one item exists and the create reports it (or a retryable failure)`, async () => {
        const client = bed.client({ timeoutMs: 1500, defaultRetryWaitMs: 10 });
        const { store, folderId } = await bed.freshStore(kind, client);
        const folder = bed.sim.store
          .listFolders(bed.sim.store.getMailbox('alice@contoso.com').id)
          .find((f) => f.graphId === folderId);
        if (!folder) throw new Error('no folder');
        bed.sim.injectFault(
          { face: 'graph', method: 'POST', path: `re:${path}(\\?|$)` },
          { kind: 'replyLost', after, holdMs: 3000 },
          1,
        );
        const uid = `lost-${kind}-${after}`;
        const outcome: WriteResult | Error = await store.create(item(uid), { marker: uid }).then(
          (r) => r,
          (e: Error) => e,
        );
        expect(bed.sim.store.listItems(folder.id)).toHaveLength(1);
        if (outcome instanceof Error) expect(outcome).toBeInstanceOf(RetryableError);
        else {
          // The create reports the one stored item (under its immutable id).
          const found = [];
          for await (const r of store.getMany([outcome.ref.href])) found.push(r);
          expect(found).toMatchObject([{ found: true, fetched: { marker: uid } }]);
        }
      }, 20_000);
    }
  }
});
