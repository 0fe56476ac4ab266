import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'apps/*/src/**/*.test.ts',
      'packages/*/src/**/*.test.ts',
      'nextcloud-app/tests/**/*.test.ts',
      // The benchmarks' own checks (not their timings: those live in `pnpm bench`).
      'bench/*.test.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: live-server suites share ports and databases, so keep file parallelism modest.
    maxWorkers: 2,
  },
});
