import { defineConfig } from 'vitest/config';

/** The core's tests alone: what `pnpm mutation` (stryker.config.mjs) runs against each mutant. */
export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
