/** Vitest runs the Node unit tests under tests/unit; browser tests are Playwright's (tests/browser). */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/unit/**/*.test.ts'],
    setupFiles: ['tests/unit/setup-backends.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores on CI: TF.js wasm tests are CPU-bound, so more forks only add contention.
    maxWorkers: 2,
  },
});
