// `npm run test:soak`: the LAN soak test only (test/soak/*.soak.ts), never part of `npm test`, whose
// config picks up *.test.ts files alone. One file, one process, a generous timeout: it runs for minutes.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/soak/**/*.soak.ts'],
    testTimeout: 900_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['test/setup/isolate-state.ts', 'test/setup/no-leftovers.ts'],
  },
});
