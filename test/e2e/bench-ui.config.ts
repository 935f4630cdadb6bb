// vitest config of `npm run bench:ui`: only the bench file, which prints numbers and asserts none.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/bench-ui.run.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
