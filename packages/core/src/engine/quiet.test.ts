import { describe, expect, it } from 'vitest';
import { sampleTask } from '../testing/sample-items';
import { pairHarness, summaryOf, WINDOW } from './harness.test-support';
import { checkQuiet } from './quiet';
import { syncPair } from './sync-pair';

/** The check that lets a sync skip the run of a pair in which nothing changed. */
describe('checkQuiet', () => {
  const NOW = new Date('2030-02-01T00:00:00Z');

  async function synced() {
    const h = pairHarness();
    h.a.put(sampleTask('t1', { summary: 'first' }));
    h.b.put(sampleTask('t2', { summary: 'second' }));
    await h.sync({ now: () => NOW });
    await h.sync({ now: () => NOW }); // the echo of our own writes
    h.a.calls.length = 0;
    h.b.calls.length = 0;
    const check = async (extra: { now?: Date; window?: typeof WINDOW } = {}) =>
      checkQuiet({
        a: h.a,
        b: h.b,
        state: await h.status.pairState('p1'),
        held: (await h.status.quarantined('p1')).length,
        window: extra.window ?? WINDOW,
        now: extra.now ?? NOW,
      });
    return { h, check };
  }

  it('finds a pair quiet when neither side changed, with one delta read per side and nothing else', async () => {
    const { h, check } = await synced();
    expect(await check()).toEqual({ quiet: true });
    expect(h.a.calls).toEqual(['changesSince']);
    expect(h.b.calls).toEqual(['changesSince']);
  });

  it('finds work when a side changed, and the run it hands the stores to reads that delta only once', async () => {
    for (const side of ['a', 'b'] as const) {
      const { h, check } = await synced();
      const store = h[side];
      const entry = store.findByUid(side === 'a' ? 't1' : 't2')!;
      store.put({ ...entry.item, summary: 'edited' } as typeof entry.item);
      store.calls.length = 0;
      const answer = await check();
      expect(answer.quiet).toBe(false);
      if (answer.quiet) continue;
      const report = await syncPair(
        { ...answer.stores, status: h.status, lock: h.lock },
        { pair: 'p1', policy: h.policy, window: WINDOW, now: () => NOW },
      );
      expect(report.outcome).toBe('success');
      expect(summaryOf(h[side === 'a' ? 'b' : 'a'], side === 'a' ? 't1' : 't2')).toBe('edited');
      expect(store.calls.filter((c) => c === 'changesSince')).toHaveLength(1);
    }
  });

  it('is not quiet, without a request, when the reconcile is due, the window moved or a run left work', async () => {
    const { h, check } = await synced();
    expect((await check({ now: new Date(NOW.getTime() + 6 * 3600_000) })).quiet).toBe(false);
    expect((await check({ window: { ...WINDOW, end: '2030-08-01T00:00:00Z' } })).quiet).toBe(false);
    await h.status.transaction('p1', (tx) => tx.setPairState({ retry: { a: ['/a/x'], b: [] } }));
    expect((await check()).quiet).toBe(false);
    await h.status.transaction('p1', (tx) => tx.setPairState({ retry: { a: [], b: [] }, needsReview: true }));
    expect((await check()).quiet).toBe(false);
    expect([...h.a.calls, ...h.b.calls]).toEqual([]);
    await h.status.transaction('p1', (tx) => tx.setPairState({ needsReview: false }));
    expect((await check()).quiet).toBe(true);
  });
});
