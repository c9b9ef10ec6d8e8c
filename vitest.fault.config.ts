import { defineConfig } from 'vitest/config';

/**
 * The fault suite (docs/reliability.md): workers as child processes killed for real, Redis and
 * PostgreSQL servers of the tests' own stopped and restarted, scripted sources misbehaving.
 * Scenarios share one machine's CPU and time-sensitive locks, so files run one at a time.
 */
export default defineConfig({
  test: {
    globals: false,
    include: ['test/fault/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
