import { describe, expect, it } from 'vitest';
import type { PimItem } from '../model/item';
import type { CollectionStore } from '../ports/collection-store';
import type { MemoryStore } from '../testing/memory-store';
import { sampleTask } from '../testing/sample-items';
import { pairHarness, summaryOf, WINDOW } from './harness.test-support';
import { syncPair } from './sync-pair';

/** A store that gives what the engine creates an id (and iCalUId) of its own, as Graph does. */
function ownIds(store: MemoryStore): CollectionStore {
  let n = 0;
  const port = Object.fromEntries(
    (['listWindow', 'getMany', 'startToken', 'changesSince', 'update', 'remove'] as const).map((m) => [
      m,
      store[m].bind(store),
    ]),
  );
  return {
    ...port,
    caps: store.caps,
    create: (item, o, s) => store.create({ ...item, uid: `g-${++n}` } as PimItem, o, s),
  } as CollectionStore;
}

/**
 * When a side was not re-read in a run, the planner takes its model from the row's base. Found by the model test
 * (sync-model.test-support.ts): the base carried the UID of whichever side last changed, so in a pair where one
 * side assigns its own ids, the DAV side was sent the other side's UID (the pim patch would rewrite the object's
 * UID; the memory store refuses the write).
 */
describe('an update of a side that was not re-read', () => {
  for (const graph of ['a', 'b'] as const) {
    it(`carries that side’s own UID, not the other side’s (side ${graph} assigns its own ids)`, async () => {
      const h = pairHarness();
      const dav = graph === 'a' ? h.b : h.a;
      const g = graph === 'a' ? h.a : h.b;
      const stores = graph === 'a' ? { a: ownIds(h.a), b: h.b } : { a: h.a, b: ownIds(h.b) };
      const sync = () =>
        syncPair({ ...stores, status: h.status, lock: h.lock }, { pair: 'p', policy: h.policy, window: WINDOW });
      dav.put(sampleTask('t1'));
      await sync();
      const onG = g.entries()[0]!;
      g.put({ ...onG.item, summary: 'first edit' } as PimItem, { href: onG.href });
      await sync();
      g.put({ ...g.get(onG.href)!.item, summary: 'second edit' } as PimItem, { href: onG.href });
      const r = await sync();
      expect(r.errors).toEqual([]);
      expect(summaryOf(dav, 't1')).toBe('second edit');
    });
  }
});
