import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunStats, Scenario } from './sync-model.test-support';
import { limitedScenarioArb, modelProperty, propertyParameters, runScenario } from './sync-model.test-support';

/**
 * The engine's model test (sync-model.test-support.ts) with stores that hold different field sets: one side (either,
 * chosen per run) holds a task as Exchange does (`LIMITED_TASKS`: no URL, the priority as one of three importances),
 * the other holds it whole. Its oracle merges through what each side holds, so besides "no duplicate, no loss" and
 * "a quiet run after convergence writes nothing" it states that a field one side cannot hold is never lost from the
 * side that holds it: a URL set in Nextcloud survives any edit made in Exchange. `sync-pair.mutants.test.ts` shows it
 * failing on a merge that ignores what each side holds. Seen failing by hand (not in CI: a one-line change inside
 * `mergeFields`) on a merge comparing a side's value with the raw base instead of the base as that side holds it: a
 * priority the limited side holds as an importance then reads as edited whenever that side edits another field.
 */
const runs: RunStats[] = [];

describe('syncPair, model-based, between stores that hold different fields', () => {
  it('after random edits on both sides (also of a field one side cannot hold, and of one it normalises), conflicts, crashes and lost tokens, clean runs converge to what the oracle predicts through each side’s holdings, with no duplicate and no field lost', async () => {
    await fc.assert(
      modelProperty({}, (stats) => runs.push(stats), limitedScenarioArb),
      propertyParameters('EXSYNC_CAPS_PROPERTY_RUNS', 60),
    );
    // The runs must exercise the point of the variant: edits on the limited side of items holding a URL.
    const share = (f: (s: RunStats) => boolean) => runs.filter(f).length / runs.length;
    expect(share((s) => s.editsBesideUnheld > 0)).toBeGreaterThanOrEqual(0.5);
    expect(share((s) => s.conflicts > 0)).toBeGreaterThanOrEqual(0.25);
    expect(share((s) => s.endedEmpty)).toBeLessThanOrEqual(0.2);
  }, 300_000);

  // Seed 480661946 (shrunk by hand): u1 is on both sides; side a (its own ids) moves it out of the window, so the
  // engine creates a second object for b's copy there; a brings its own copy back, b deletes its copy, and a faulty
  // sync links a's returning u1 to a new object on b as `u1~2`. The final sync is right (one object a side, linked),
  // but the oracle used to check `u1~2` under that key, which a's copy (the user's `u1`) does not carry — a false
  // alarm in CI. An object descended from an item once out of the window is now tainted from the first snapshot
  // that sees it, as one seen after a clean sync already was.
  it('an object the engine links to an item that was out of the window, first seen after a faulty sync, is not predicted under a key its other copy lacks', async () => {
    const sync = { type: 'sync', crashAt: undefined, crashAfter: false, failWriteAt: undefined, failKind: 'retryable' };
    const scenario: Scenario = {
      steps: [
        { type: 'create-twin', a: 0, b: 0 },
        { type: 'edit-both', pick: 0, field: 'due', a: 3, b: 0 },
        { ...sync, flaky: false },
        { type: 'edit-apart', pick: 0, a: { field: 'due', value: 0 }, b: { field: 'summary', value: 0 } },
        { type: 'delete', side: 'b', pick: 0 },
        { ...sync, flaky: true },
      ] as Scenario['steps'],
      conflict: { type: 'side-wins', side: 'a' },
      ownIds: 'a',
      limited: 'a',
    };
    const stats = await runScenario(scenario);
    expect(stats.outOfWindow).toBeGreaterThanOrEqual(2); // u1 and the engine's u1~2
  });

  afterAll(() => {
    if (runs.length === 0) return;
    const mean = (f: (s: RunStats) => number) => (runs.reduce((n, s) => n + f(s), 0) / runs.length).toFixed(1);
    const pct = (f: (s: RunStats) => boolean) => `${Math.round((100 * runs.filter(f).length) / runs.length)} %`;
    console.log(
      [
        `capability model test: ${runs.length} runs, mean steps ${mean((s) => s.steps)}`,
        `runs with an edit on the limited side beside a URL it cannot hold ${pct((s) => s.editsBesideUnheld > 0)} (mean ${mean((s) => s.editsBesideUnheld)})`,
        `runs with a conflict ${pct((s) => s.conflicts > 0)}, with a fault fired ${pct((s) => s.faultsFired > 0)}`,
        `runs ending empty ${pct((s) => s.endedEmpty)}`,
      ].join('\n  '),
    );
  });
});
