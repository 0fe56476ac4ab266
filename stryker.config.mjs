// Mutation testing of the sync engine (packages/core): `pnpm mutation` mutates the whole core. Not part of
// `pnpm test` — the whole core is ~2,200 mutants, about an hour on two busy cores. Scope one file or a group with
// `pnpm mutation --mutate packages/core/src/engine/planner.ts` (comma-separated).
// Survivors and why they survive: packages/core/MUTATION.md.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  // Named, not globbed: under pnpm the runner is not installed beside @stryker-mutator/core.
  plugins: ['@stryker-mutator/vitest-runner'],
  // Only the core's own tests: other packages' suites need live servers and say nothing about the engine.
  vitest: { configFile: 'packages/core/vitest.mutation.config.ts' },
  mutate: [
    'packages/core/src/**/*.ts',
    '!packages/core/src/**/*.test.ts',
    '!packages/core/src/**/*.test-support.ts',
    '!packages/core/src/**/test-support.ts',
    // Test doubles and contract suites handed to other packages: mutating them tests the tests' fakes.
    '!packages/core/src/testing/**',
    '!packages/core/src/engine/testing/**',
  ],
  // The sandbox needs the core and the workspace wiring only.
  ignorePatterns: ['apps', 'bench', 'nextcloud-app', 'prisma', 'scripts', 'packages/*', '!packages/core', 'reports'],
  coverageAnalysis: 'perTest',
  // Two shared cores: one or two test processes at most (`--concurrency 1` on a busy machine).
  concurrency: 2,
  // Added to 1.5 × the covering tests' own time: an endless loop is cut short instead of costing a minute.
  timeoutMS: 10_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/core.html' },
  jsonReporter: { fileName: 'reports/mutation/core.json' },
  thresholds: { high: 90, low: 85, break: null },
  tempDirName: '.stryker-tmp',
};
