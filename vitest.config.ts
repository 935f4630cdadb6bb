import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['test/setup/isolate-state.ts', 'test/setup/no-leftovers.ts'],
    reporters: ['default', './test/setup/summary-reporter.ts'],
  },
});
