import { describe, expect, it } from 'vitest';
import { sampleTask } from '../testing/sample-items';
import { pairHarness } from './harness.test-support';
import type { RunProgress } from './sync-pair';

describe('run progress', () => {
  it('an initial run of 120 items reports listing, then fetching and writing counts rising to what was planned', async () => {
    const h = pairHarness();
    for (let i = 0; i < 120; i++) h.a.put(sampleTask(`t${i}`));
    const seen: RunProgress[] = [];
    const report = await h.sync({ onProgress: (p) => seen.push(p) });
    expect(report.counts).toEqual({ a_to_b: { create: 120 } });

    const listingA = seen.filter((p) => p.phase === 'listing' && p.side === 'a');
    expect(listingA.at(-1)).toEqual({ phase: 'listing', side: 'a', done: 120, planned: null });
    const fetchingA = seen.filter((p) => p.phase === 'fetching' && p.side === 'a').map((p) => [p.done, p.planned]);
    expect(fetchingA).toEqual([
      [0, 120],
      [50, 120],
      [100, 120],
      [120, 120],
    ]);
    const writing = seen.filter((p) => p.phase === 'writing');
    expect(writing[0]).toEqual({ phase: 'writing', done: 0, planned: 120 });
    expect(writing.map((p) => p.done)).toEqual(Array.from({ length: 121 }, (_, i) => i));
    // Phases come in order: every listing and fetching report precedes the first write.
    const firstWrite = seen.findIndex((p) => p.phase === 'writing');
    expect(seen.slice(firstWrite).every((p) => p.phase === 'writing')).toBe(true);
  });

  it('a run with nothing to do reports writing 0 of 0', async () => {
    const h = pairHarness();
    h.a.put(sampleTask('t1'));
    await h.sync();
    const seen: RunProgress[] = [];
    await h.sync({ onProgress: (p) => seen.push(p) });
    expect(seen.filter((p) => p.phase === 'writing')).toEqual([{ phase: 'writing', done: 0, planned: 0 }]);
  });
});
