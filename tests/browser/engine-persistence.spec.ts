/**
 * Persistence: after a reload and after a full browser restart (persistent profile on a fixed
 * directory, same origin), the shipped model loads from IndexedDB with the network blocked and the
 * user's history is intact.
 */
import { chromium, expect, test, type BrowserContext } from '@playwright/test';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { CHROMIUM_ARGS, TEST_ORIGIN } from '../../playwright.config.ts';
import { SHIPPED_MODEL_URL, openEnginePage } from './engine-fixtures.ts';
import { SHIPPED_EVENTS } from './engine-shipped.ts';

const PROFILE = resolve('test-results/engine-persistent-profile');

async function launch(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(PROFILE, {
    executablePath: process.env.CHROMIUM_PATH || undefined,
    args: CHROMIUM_ARGS,
    baseURL: TEST_ORIGIN,
  });
}

/** Blocks every model request (as if offline) and counts the attempts. */
async function blockModels(context: BrowserContext): Promise<string[]> {
  const blocked: string[] = [];
  await context.route(/\/models\//, (route) => {
    blocked.push(new URL(route.request().url()).pathname);
    return route.abort('internetdisconnected');
  });
  return blocked;
}

test('model and history survive a reload and a browser restart, offline', async () => {
  rmSync(PROFILE, { recursive: true, force: true });
  const request = { k: 10, outcomeBudget: { love: 0.7, watch: 0.3 } };

  // 1. First visit: download, store, record.
  let context = await launch();
  let page = context.pages()[0] ?? (await context.newPage());
  await openEnginePage(page);
  const first = await page.evaluate(
    (url) => window.engineTest.create('p', { modelUrl: url, namespace: 'persist', backend: 'wasm' }),
    SHIPPED_MODEL_URL,
  );
  expect(first.ok, JSON.stringify(first)).toBe(true);
  expect(first.ok && first.value.status.modelSource).toBe('network');
  const recorded = await page.evaluate((events) => window.engineTest.call('p', 'record', events), SHIPPED_EVENTS);
  expect(recorded.ok, JSON.stringify(recorded)).toBe(true);
  const before = await page.evaluate((r) => window.engineTest.call('p', 'recommend', r), request);
  expect(before.ok && before.value.items).toHaveLength(10);
  const ids = (r: typeof before) => (r.ok ? r.value.items.map((i) => i.itemId) : []);

  // 2. Reload with the network blocked.
  const blocked = await blockModels(context);
  await page.reload();
  await openEnginePage(page);
  const reloaded = await page.evaluate(
    (url) => window.engineTest.create('p', { modelUrl: url, namespace: 'persist', backend: 'wasm' }),
    SHIPPED_MODEL_URL,
  );
  expect(reloaded.ok, JSON.stringify(reloaded)).toBe(true);
  expect(reloaded.ok && reloaded.value.status).toMatchObject({ modelSource: 'storage', historyLength: SHIPPED_EVENTS.length });
  expect(blocked.length).toBeGreaterThan(0); // it did try the network, and it was refused
  expect(ids(await page.evaluate((r) => window.engineTest.call('p', 'recommend', r), request))).toEqual(ids(before));
  await context.close();

  // 3. Restart the browser on the same profile, still offline.
  context = await launch();
  await blockModels(context);
  page = context.pages()[0] ?? (await context.newPage());
  await openEnginePage(page);
  const restarted = await page.evaluate(
    (url) => window.engineTest.create('p', { modelUrl: url, namespace: 'persist', backend: 'wasm' }),
    SHIPPED_MODEL_URL,
  );
  expect(restarted.ok, JSON.stringify(restarted)).toBe(true);
  expect(restarted.ok && restarted.value.status.modelSource).toBe('storage');
  const history = await page.evaluate(() => window.engineTest.call('p', 'history'));
  expect(history.ok && history.value).toEqual(SHIPPED_EVENTS);
  expect(ids(await page.evaluate((r) => window.engineTest.call('p', 'recommend', r), request))).toEqual(ids(before));
  await context.close();
});
