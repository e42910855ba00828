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

test('a re-export that changes only the catalog gets a new version, and the browser downloads it', async ({ page, context }) => {
  const first = await servedTinyModel('re', 5);
  const reexport = await servedTinyModel('re', 5, (i) => (i === 2 ? 'Renamed' : `Item ${i + 1}`));
  const changed = [...first.files.keys()].filter((path) => first.files.get(path)!.join() !== reexport.files.get(path)!.join());
  expect(changed.sort()).toEqual(['catalog.json', 'manifest.json']); // same weights, item table and SIDs

  const served: ServedModel = { prefix: first.prefix, files: new Map(first.files) };
  const net = { offline: false, requests: [] as string[] };
  await serveModels(context, [served], net);
  await openEnginePage(page);
  const created = await page.evaluate(() =>
    window.engineTest.create('r', { modelUrl: '/test-models/re/manifest.json', namespace: 'reexport', backend: 'wasm' }),
  );
  expect(created.ok, JSON.stringify(created)).toBe(true);
  const titleOfI3 = async () => {
    const catalog = await page.evaluate(() => window.engineTest.call('r', 'catalog'));
    return catalog.ok ? catalog.value.find((item) => item.itemId === 'i3')?.title : undefined;
  };
  expect(await titleOfI3()).toBe('Item 3');

  // Re-deploy at the same URL.
  for (const [path, bytes] of reexport.files) served.files.set(path, bytes);
  net.requests.length = 0;
  const updated = await page.evaluate(() => window.engineTest.call('r', 'update', { modelUrl: '/test-models/re/manifest.json' }));
  expect(updated.ok, JSON.stringify(updated)).toBe(true);
  if (updated.ok && created.ok) expect(updated.value.modelVersion).not.toBe(created.value.status.modelVersion);
  expect(net.requests).toContain('/test-models/re/catalog.json');
  expect(await titleOfI3()).toBe('Renamed');
});
