/**
 * The consumer test's browser half: the app under tests/consumer/app, installed from the packed
 * tarball, served by `vite preview` (its production build) and by `vite dev` (one Playwright project
 * each, see playwright.config.ts). tests/consumer/run.mjs packs, installs and builds it first.
 */
import { expect, test, type Page } from '@playwright/test';

/** What tests/consumer/app/src/main.ts puts on `window.consumer` (the spec runs in Node, apart from it). */
interface ConsumerApi {
  progress: { phase: string; loadedBytes: number; totalBytes: number }[];
  loaded: { modelSource: 'network' | 'storage'; historyLength: number };
  recordAndRecommend(itemIds: string[]): Promise<string[]>;
  recordUnknown(): Promise<{ name: string; isUnknownItem: boolean; isPocketrecError: boolean; itemIds: string[] }>;
  history(): Promise<string[]>;
  firstItems(n: number): Promise<string[]>;
}
declare global {
  interface Window {
    consumer: ConsumerApi;
  }
}

/** Waits until the app has loaded its recommender (window.consumer is set last). */
async function ready(page: Page): Promise<void> {
  await page.waitForFunction(() => typeof window.consumer !== 'undefined', null, { timeout: 150_000 });
}

test('loads the model with progress, records and recommends, a typed error crosses the worker, reloads offline', async ({
  page,
  context,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto('/');
  await ready(page);

  const first = await page.evaluate(() => ({ progress: window.consumer.progress, loaded: window.consumer.loaded }));
  expect(first.loaded.modelSource).toBe('network');
  const phases = [...new Set(first.progress.map((p) => p.phase))];
  expect(phases).toEqual(expect.arrayContaining(['download', 'verify', 'store', 'ready']));
  const downloaded = first.progress.filter((p) => p.phase === 'download').at(-1)!;
  expect(downloaded.loadedBytes).toBeGreaterThan(1_000_000);
  expect(downloaded.loadedBytes).toBe(downloaded.totalBytes);

  const seeds = await page.evaluate(() => window.consumer.firstItems(3));
  const recommended = await page.evaluate((ids) => window.consumer.recordAndRecommend(ids), seeds);
  expect(recommended).toHaveLength(5);
  expect(new Set(recommended).size).toBe(5);
  await expect(page.locator('#recommendations li')).toHaveCount(5);

  const failure = await page.evaluate(() => window.consumer.recordUnknown());
  expect(failure).toEqual({ name: 'UnknownItemError', isUnknownItem: true, isPocketrecError: true, itemIds: ['no-such-item'] });
  expect(await page.evaluate(() => window.consumer.history())).toEqual(seeds);

  // Network off: the page and its scripts come from the app's service worker, the model and the
  // history from IndexedDB.
  await context.setOffline(true);
  await page.reload();
  await ready(page);
  const offline = await page.evaluate(() => window.consumer.loaded);
  expect(offline.modelSource).toBe('storage');
  expect(offline.historyLength).toBe(3);
  expect(await page.evaluate(() => window.consumer.history())).toEqual(seeds);
  const again = await page.evaluate((ids) => window.consumer.recordAndRecommend(ids), [seeds[0]!]);
  expect(again).toHaveLength(5);
  expect(pageErrors).toEqual([]);
});
