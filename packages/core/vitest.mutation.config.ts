import { defineConfig } from 'vitest/config';

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
  },
});
