import { defineConfig } from 'vitest/config';
import type { TestSpecification } from 'vitest/node';
import { BaseSequencer } from 'vitest/node';

/**
 * Stryker runs a mutant's tests one file after another and stops at the first failure, so the order decides the
 * cost, not the verdict: the model tests (seconds each) go last, after the unit tests that kill most mutants in
 * milliseconds. Vitest's own order (slowest first) would run the model tests for every mutant.
 */
class ModelTestsLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const slow = (f: TestSpecification) => (/(model|property)\.test\.ts$/.test(f.moduleId) ? 1 : 0);
    return [...files].sort((x, y) => slow(x) - slow(y) || x.moduleId.localeCompare(y.moduleId));
  }
}

/**
 * What `pnpm mutation` (stryker.config.mjs) runs against each mutant: the core's own tests. The model test runs
 * fewer random histories per mutant (most mutants fail it within a few), and the mutant suite is left out: it
 * breaks the engine itself, so under a mutant it says nothing more.
 */
export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['src/**/*.test.ts'],
    exclude: ['src/**/*.mutants.test.ts'],
    // Fixed seed: a mutant's fate does not change from one mutation run to the next.
    // No shrinking: a mutant is killed by the first failing history, and shrinking one costs hundreds of runs.
    env: {
      EXSYNC_PROPERTY_RUNS: '25',
      EXSYNC_CAPS_PROPERTY_RUNS: '15',
      EXSYNC_PROPERTY_SEED: '20261206',
      EXSYNC_PROPERTY_NO_SHRINK: '1',
    },
    testTimeout: 120_000,
    sequence: { sequencer: ModelTestsLast },
  },
});
