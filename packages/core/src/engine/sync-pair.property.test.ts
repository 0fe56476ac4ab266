import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunStats } from './sync-model.test-support';
import { modelProperty, propertyParameters } from './sync-model.test-support';

/**
 * The engine's model-based test (runner and oracle: sync-model.test-support.ts). `EXSYNC_PROPERTY_RUNS` raises the
 * number of runs for a longer soak; `EXSYNC_PROPERTY_SEED` replays a failure (see `propertyParameters`).
 */
const runs: RunStats[] = [];

describe('syncPair, model-based', () => {
  it('after random edits, conflicts, window moves, crashes at any port call, failing writes, lost tokens and pruned change logs on both sides, clean runs converge to what the oracle predicts, with no duplicate on either side', async () => {
    await fc.assert(
      modelProperty({}, (stats) => runs.push(stats)),
      propertyParameters('EXSYNC_PROPERTY_RUNS', 150),
    );
    // The runs must actually exercise the engine: long enough, with conflicts and faults, mostly not empty.
    const share = (f: (s: RunStats) => boolean) => runs.filter(f).length / runs.length;
    expect(runs.reduce((n, s) => n + s.steps, 0) / runs.length).toBeGreaterThanOrEqual(20);
    expect(share((s) => s.conflicts > 0)).toBeGreaterThanOrEqual(0.25);
    expect(share((s) => s.faultsFired > 0)).toBeGreaterThanOrEqual(0.5);
    expect(share((s) => s.endedEmpty)).toBeLessThanOrEqual(0.2);
  }, 600_000);

  afterAll(() => {
    if (runs.length === 0) return;
    const mean = (f: (s: RunStats) => number) => (runs.reduce((n, s) => n + f(s), 0) / runs.length).toFixed(1);
    const pct = (f: (s: RunStats) => boolean) => `${Math.round((100 * runs.filter(f).length) / runs.length)} %`;
    console.log(
      [
        `model test: ${runs.length} runs`,
        `mean steps ${mean((s) => s.steps)} (min ${Math.min(...runs.map((s) => s.steps))}, max ${Math.max(...runs.map((s) => s.steps))})`,
        `mean syncs ${mean((s) => s.syncs)}, with a fault fired ${mean((s) => s.faultsFired)}`,
        `runs with a conflict ${pct((s) => s.conflicts > 0)} (mean ${mean((s) => s.conflicts)} conflicts)`,
        `runs with a keep-both copy ${pct((s) => s.copies > 0)}`,
        `runs ending empty ${pct((s) => s.endedEmpty)} (mean ${mean((s) => s.itemsAtEnd)} items at the end)`,
        `runs with an item out of the window ${pct((s) => s.outOfWindow > 0)}`,
        `a side assigning its own ids ${pct((s) => s.ownIds !== undefined)}`,
      ].join('\n  '),
    );
  });
});
