/**
 * The artifact contract in Chromium, through the public API: a manifest whose sizes are absurd is
 * refused before anything is downloaded or allocated (it once crashed the tab), and a model URL that
 * the dev/preview server answers with index.html is named as such instead of "not valid JSON".
 */
import { expect, test } from '@playwright/test';
import { openEnginePage, serveModels, servedTinyModel, type ServedModel } from './engine-fixtures.ts';

let v1: ServedModel;
let huge: ServedModel;

test.beforeAll(async () => {
  v1 = await servedTinyModel('v1', 1);
  // A real tiny export whose manifest claims 50 million items (files unchanged, no catalog file):
  // before the size checks the loader allocated one id string per claimed item and the tab died.
  huge = await servedTinyModel('huge', 2);
  const manifest = JSON.parse(new TextDecoder().decode(huge.files.get('manifest.json'))) as {
    itemCount: number;
    model: { decoder: { itemCount: number } };
    files: { role: string }[];
  };
  manifest.itemCount = 50_000_000;
  manifest.model.decoder.itemCount = 50_000_000;
  manifest.files = manifest.files.filter((f) => f.role !== 'catalog');
  huge.files.set('manifest.json', new TextEncoder().encode(JSON.stringify(manifest)));
});

const events = [
  { itemId: 'i3', outcome: 'love', time: 1_700_000_000 },
  { itemId: 'i9', outcome: 'watch', time: 1_700_003_600 },
];

test('a manifest with an absurd itemCount is refused before any download; the active model keeps serving', async ({
  page,
  context,
}) => {
  const net = { offline: false, requests: [] as string[] };
  await serveModels(context, [v1, huge], net);
  await openEnginePage(page);
  const created = await page.evaluate(() =>
    window.engineTest.create('a', { modelUrl: '/test-models/v1/manifest.json', namespace: 'contract', backend: 'wasm' }),
  );
  expect(created.ok, JSON.stringify(created)).toBe(true);
  await page.evaluate((e) => window.engineTest.call('a', 'record', e), events);
  const before = await page.evaluate(() => window.engineTest.call('a', 'recommend', { k: 5 }));
  expect(before.ok).toBe(true);

  const started = Date.now();
  const update = await page.evaluate(() =>
    window.engineTest.call('a', 'update', { modelUrl: '/test-models/huge/manifest.json' }),
  );
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(update.ok).toBe(false);
  if (!update.ok) {
    expect(update.error).toMatchObject({ className: 'ModelFormatError', code: 'MODEL_FORMAT' });
    expect(update.error.message).toMatch(/itemCount 50000000 is not an integer in 1\.\.\d+/);
  }
  // Nothing but the manifest was fetched for the refused model.
  expect(net.requests.filter((p) => p.startsWith('/test-models/huge/'))).toEqual(['/test-models/huge/manifest.json']);

  const after = await page.evaluate(() => window.engineTest.call('a', 'recommend', { k: 5 }));
  expect(after.ok && before.ok && after.value.items.map((i) => i.itemId)).toEqual(
    before.ok && before.value.items.map((i) => i.itemId),
  );
  const stored = await page.evaluate(() => window.engineTest.inspectStore('contract'));
  expect(stored.versions).toEqual([{ modelVersion: stored.active, complete: true }]);
});

test('a model URL the preview server answers with index.html fails with a typed "check the URL" error', async ({ page }) => {
  await openEnginePage(page);
  // No route: the request reaches `vite preview`, which answers a missing path with index.html (200).
  const created = await page.evaluate(() =>
    window.engineTest.create('h', { modelUrl: '/models/no-such-model/manifest.json', namespace: 'html', backend: 'wasm' }),
  );
  expect(created.ok).toBe(false);
  if (!created.ok) {
    expect(created.error).toMatchObject({ className: 'ModelFormatError', code: 'MODEL_FORMAT', details: { reason: 'html' } });
    expect(created.error.message).toMatch(/not a pocketrec model manifest/);
    expect(created.error.message).toMatch(/check the URL/i);
  }
});
