import { defineConfig } from 'vitest/config';

/**
 * The fault suite (docs/reliability.md): workers as child processes killed for real, Redis and
 * PostgreSQL servers of the tests' own stopped and restarted, scripted sources misbehaving.
 * Scenarios share one machine's CPU and time-sensitive locks, so files run one at a time.
 * The hostile-input and sign-in throttling rows of the table live with the workbench's tests
 * (they need its world, not a fault world) and run in both suites.
 */
export default defineConfig({
  test: {
    globals: false,
    include: ['test/fault/**/*.test.ts', 'test/api/hostile-input.test.ts', 'test/api/login-throttle.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
