/**
 * A second visit with the network off (`context.setOffline(true)`): the service worker serves the
 * page's own files from its cache, the model and the ratings come from IndexedDB, and the page says
 * it is offline.
 */
import { expect, test } from '@playwright/test';
import { collectConsoleErrors, historyRows, SHOTS, waitReady } from './demo-helpers.ts';

test('a second visit works fully offline', async ({ context, page }) => {
  await page.goto('/');
  await waitReady(page);
  // The service worker has precached the page and controls it.
  await expect(page.locator('body')).toHaveAttribute('data-offline', 'ready', { timeout: 120_000 });
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const urls = (
      await Promise.all(names.map(async (name) => (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname)))
    ).flat();
    return { names, urls };
  });
  expect(cached.names).toHaveLength(1);
  expect(cached.urls).toContain('/index.html');
  expect(cached.urls.some((url) => url.endsWith('.wasm'))).toBe(true);
  expect(cached.urls.filter((url) => url.startsWith('/models/'))).toEqual([]); // the model lives in IndexedDB only
  await page.locator('#search').fill('Alien');
  await page.locator('#catalog-list > li.card').first().locator('button[data-outcome="love"]').click();
  await expect(page.locator('#history-list > li[data-item-id]')).toHaveCount(1);
  await page.close();

  await context.setOffline(true);
  const second = await context.newPage();
  const consoleErrors = collectConsoleErrors(second);
  await second.goto('/');
  await waitReady(second);
  await expect(second.locator('#offline-status')).toHaveText('Offline – using the model stored on this device');
  expect(await historyRows(second)).toEqual([['Alien', 'Loved it · 1979']]);
  await expect(second.locator('#recs-meta')).toContainText('Picked for you from your 1 rating');
  await expect(second.locator('#recs-list > li.card')).toHaveCount(20);
  // Really offline: anything not precached fails.
  expect(
    await second.evaluate(() =>
      fetch('/models/ml-latest-small/manifest.json').then(
        () => 'fetched',
        () => 'failed',
      ),
    ),
  ).toBe('failed');
  await second.screenshot({ path: `${SHOTS}/demo-4-offline-second-visit.png` });
  await context.setOffline(false);
  // The engine's failed manifest fetch is expected offline and handled (the stored model runs).
  expect(consoleErrors.filter((e) => !/ERR_INTERNET_DISCONNECTED|Failed to fetch|manifest\.json/.test(e))).toEqual([]);
});
