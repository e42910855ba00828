/**
 * Playwright runs the browser suite (tests/browser) in real Chromium with WebGPU enabled, against the
 * test build served by `vite preview --mode test` on a fixed local origin.
 *
 * The browser comes from $CHROMIUM_PATH (scripts/test.mjs finds or installs one and sets it); without
 * it, Playwright's own downloaded Chromium is used.
 */
import { defineConfig } from '@playwright/test';

/**
 * Fixed origin: IndexedDB persistence tests need the same origin across browser restarts. The port is
 * 4173 unless `POCKETREC_TEST_PORT` names another (two checkouts testing at once on one machine).
 */
export const TEST_PORT = Number(process.env.POCKETREC_TEST_PORT || 4173);
export const TEST_ORIGIN = `http://127.0.0.1:${TEST_PORT}`;

/**
 * Chromium flags. `--enable-unsafe-webgpu` is the one WebGPU needs on Linux (without it
 * requestAdapter() returns null). Never add `--disable-software-rasterizer`: it disables SwiftShader,
 * the only WebGPU adapter on a machine without a GPU.
 */
export const CHROMIUM_ARGS = ['--enable-unsafe-webgpu'];

export default defineConfig({
  testDir: 'tests/browser',
  timeout: 240_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: [['list'], ['json', { outputFile: 'test-results/browser-results.json' }]],
  outputDir: 'test-results/artifacts',
  use: {
    baseURL: TEST_ORIGIN,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || undefined,
      args: CHROMIUM_ARGS,
    },
  },
  webServer: {
    command: `npx vite preview --mode test --port ${TEST_PORT}`,
    url: `${TEST_ORIGIN}/tests/pages/harness.html`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
