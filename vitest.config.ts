import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globals: false,
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/fault/**', 'node_modules/**'],
    // Integration tests spawn worker processes and build several worlds; a loaded 2-core CI box needs slack.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
