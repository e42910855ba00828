/**
 * Playwright for the consumer test (tests/consumer/run.mjs runs it after installing and building the
 * app): the same spec against the app's `vite preview` and its `vite dev` server. Ports: 4176 and
 * 4175 unless POCKETREC_CONSUMER_PREVIEW_PORT / POCKETREC_CONSUMER_DEV_PORT say otherwise.
 */
import { resolve } from 'node:path';
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS } from '../../playwright.config.ts';

const here = import.meta.dirname;
/** The installed working copy of tests/consumer/app (run.mjs creates it). */
export const CONSUMER_APP = resolve(here, '.work/app');
const DEV_PORT = Number(process.env.POCKETREC_CONSUMER_DEV_PORT || 4175);
const PREVIEW_PORT = Number(process.env.POCKETREC_CONSUMER_PREVIEW_PORT || 4176);
const vite = resolve(CONSUMER_APP, 'node_modules/vite/bin/vite.js');

export default defineConfig({
  testDir: here,
  testMatch: 'consumer.spec.ts',
  timeout: 240_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: [['list'], ['json', { outputFile: resolve(here, '../../test-results/consumer-results.json') }]],
  outputDir: resolve(here, '../../test-results/consumer-artifacts'),
  use: {
    launchOptions: { executablePath: process.env.CHROMIUM_PATH || undefined, args: CHROMIUM_ARGS },
  },
  projects: [
    { name: 'vite preview', use: { baseURL: `http://127.0.0.1:${PREVIEW_PORT}` } },
    { name: 'vite dev', use: { baseURL: `http://127.0.0.1:${DEV_PORT}` } },
  ],
  webServer: [
    {
      command: `node ${vite} preview --host 127.0.0.1 --port ${PREVIEW_PORT} --strictPort`,
      cwd: CONSUMER_APP,
      url: `http://127.0.0.1:${PREVIEW_PORT}/`,
      reuseExistingServer: false,
      timeout: 60_000,
    },
    {
      command: `node ${vite} --host 127.0.0.1 --port ${DEV_PORT} --strictPort`,
      cwd: CONSUMER_APP,
      url: `http://127.0.0.1:${DEV_PORT}/`,
      reuseExistingServer: false,
      timeout: 120_000,
    },
  ],
});
