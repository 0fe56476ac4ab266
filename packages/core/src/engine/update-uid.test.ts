import { describe, expect, it } from 'vitest';
import type { PimItem } from '../model/item';
import type { CollectionStore } from '../ports/collection-store';
import { sampleTask } from '../testing/sample-items';
import { pairHarness, summaryOf, WINDOW } from './harness.test-support';
import { syncPair } from './sync-pair';

/**
 * Known engine bug (found by the model test, sync-model.test-support.ts): when a side was not re-read in a run,
 * the planner takes its model from the row's base, and the base carries the UID of whichever side last changed.
 * In a pair where side b assigns its own ids (Graph's iCalUId), an edit made on b and synced, then a later edit
 * on b, makes the engine update side a with b's UID — the DAV patch (pim `writeTask`) would rewrite the object's
 * UID; the memory store refuses the write. `it.fails` until the planner sends each side its own UID; then turn it
 * into `it` and drop the UID-keeping wrapper of side a in the model test.
 */
describe('an update of a side that was not re-read', () => {
  it.fails('carries that side’s own UID, not the other side’s', async () => {
    const h = pairHarness();
    let n = 0;
    const ownIds: CollectionStore = {
      ...Object.fromEntries(
        (['listWindow', 'getMany', 'startToken', 'changesSince', 'update', 'remove'] as const).map((m) => [
          m,
          h.b[m].bind(h.b),
        ]),
      ),
      caps: h.b.caps,
      create: (item, o, s) => h.b.create({ ...item, uid: `g-${++n}` } as PimItem, o, s),
    } as CollectionStore;
    const sync = () =>
      syncPair({ a: h.a, b: ownIds, status: h.status, lock: h.lock }, { pair: 'p', policy: h.policy, window: WINDOW });
    h.a.put(sampleTask('t1'));
    await sync();
    const onB = h.b.entries()[0]!;
    h.b.put({ ...onB.item, summary: 'first edit on b' } as PimItem, { href: onB.href });
    await sync();
    h.b.put({ ...h.b.get(onB.href)!.item, summary: 'second edit on b' } as PimItem, { href: onB.href });
    const r = await sync();
    expect(r.errors).toEqual([]);
    expect(summaryOf(h.a, 't1')).toBe('second edit on b');
  });
});
