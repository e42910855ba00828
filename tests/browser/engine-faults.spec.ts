/**
 * Faults, through the public API in Chromium: corrupt and cut-off downloads, unknown item ids,
 * WebGPU missing, quota exceeded. Each must surface as the right error class (after crossing the
 * worker boundary where a worker runs the engine) and leave the previously active model working.
 * Models are tiny real exports (random weights) served from memory by Playwright routes.
 */
import { expect, test } from '@playwright/test';
import { corruptFile, openEnginePage, serveModels, servedTinyModel, truncateFile, type ServedModel } from './engine-fixtures.ts';

let v1: ServedModel;
let v2: ServedModel;
let v2Corrupt: ServedModel;
let v2Cut: ServedModel;

test.beforeAll(async () => {
  v1 = await servedTinyModel('v1', 1);
  v2 = await servedTinyModel('v2', 2);
  v2Corrupt = await servedTinyModel('v2-corrupt', 3);
  corruptFile(v2Corrupt, 'weights.bin');
  v2Cut = await servedTinyModel('v2-cut', 4);
  truncateFile(v2Cut, 'item-embeddings.bin');
});

const events = [
  { itemId: 'i3', outcome: 'love', time: 1_700_000_000 },
  { itemId: 'i9', outcome: 'watch', time: 1_700_003_600 },
  { itemId: 'i17', outcome: 'love', time: 1_700_007_200 },
];

test('a corrupt file and a cut-off download are rejected with ModelIntegrityError; the active model keeps working', async ({
  page,
  context,
}) => {
  const net = { offline: false, requests: [] as string[] };
  await serveModels(context, [v1, v2Corrupt, v2Cut], net);
  await openEnginePage(page);
  const created = await page.evaluate(() =>
    window.engineTest.create('a', { modelUrl: '/test-models/v1/manifest.json', namespace: 'faults', backend: 'wasm' }),
  );
  expect(created.ok, JSON.stringify(created)).toBe(true);
  await page.evaluate((e) => window.engineTest.call('a', 'record', e), events);
  const before = await page.evaluate(() => window.engineTest.call('a', 'recommend', { k: 5 }));
  expect(before.ok).toBe(true);

  const corrupt = await page.evaluate(() =>
    window.engineTest.call('a', 'update', { modelUrl: '/test-models/v2-corrupt/manifest.json' }),
  );
  expect(corrupt.ok).toBe(false);
  if (!corrupt.ok) {
    expect(corrupt.error).toMatchObject({ className: 'ModelIntegrityError', isPocketrecError: true, code: 'MODEL_INTEGRITY' });
    expect(corrupt.error.details).toMatchObject({ reason: 'hash-mismatch', role: 'weights' });
    expect(corrupt.error.message).toMatch(/sha256/);
  }
  const cut = await page.evaluate(() => window.engineTest.call('a', 'update', { modelUrl: '/test-models/v2-cut/manifest.json' }));
  expect(cut.ok).toBe(false);
  if (!cut.ok)
    expect(cut.error).toMatchObject({
      className: 'ModelIntegrityError',
      details: { reason: 'truncated', role: 'item-embeddings' },
    });

  // Still serving v1, with the same answers; storage holds v1 only, active.
  const after = await page.evaluate(() => window.engineTest.call('a', 'recommend', { k: 5 }));
  expect(after.ok && before.ok && after.value.items.map((i) => i.itemId)).toEqual(
    before.ok && before.value.items.map((i) => i.itemId),
  );
  const stored = await page.evaluate(() => window.engineTest.inspectStore('faults'));
  expect(stored.active).toBe(created.ok ? created.value.status.modelVersion : '');
  expect(stored.versions).toEqual([{ modelVersion: stored.active, complete: true }]);
  expect(stored.chunkVersions).toEqual([stored.active]);

  // A fresh recommender pointed at the corrupt model fails typed; offline, the stored v1 still loads.
  const fresh = await page.evaluate(() =>
    window.engineTest.create('b', { modelUrl: '/test-models/v2-corrupt/manifest.json', namespace: 'faults', backend: 'wasm' }),
  );
  expect(fresh.ok).toBe(false);
  if (!fresh.ok) expect(fresh.error.className).toBe('ModelIntegrityError');
  net.offline = true;
  const offline = await page.evaluate(() =>
    window.engineTest.create('c', { modelUrl: '/test-models/v1/manifest.json', namespace: 'faults', backend: 'wasm' }),
  );
  expect(offline.ok && offline.value.status).toMatchObject({ modelSource: 'storage', historyLength: 3 });
});

test('unknown item ids are rejected with UnknownItemError and nothing is recorded', async ({ page, context }) => {
  await serveModels(context, [v1], { offline: false, requests: [] });
  await openEnginePage(page);
  await page.evaluate(() =>
    window.engineTest.create('u', { modelUrl: '/test-models/v1/manifest.json', namespace: 'unknown', backend: 'wasm' }),
  );
  await page.evaluate((e) => window.engineTest.call('u', 'record', e), events);
  const bad = await page.evaluate(() =>
    window.engineTest.call('u', 'record', [
      { itemId: 'i4', outcome: 'love' },
      { itemId: 'no-such-movie', outcome: 'love' },
    ]),
  );
  expect(bad.ok).toBe(false);
  if (!bad.ok) {
    expect(bad.error).toMatchObject({
      className: 'UnknownItemError',
      code: 'UNKNOWN_ITEM',
      details: { itemIds: ['no-such-movie'], unknownCount: 1 },
    });
    expect(bad.error.message).toMatch(/Nothing was recorded/);
  }
  const history = await page.evaluate(() => window.engineTest.call('u', 'history'));
  expect(history.ok && history.value.map((e) => e.itemId)).toEqual(['i3', 'i9', 'i17']);
  const badFilter = await page.evaluate(() => window.engineTest.call('u', 'recommend', { k: 3, filter: { deny: ['ghost'] } }));
  expect(!badFilter.ok && badFilter.error.className).toBe('UnknownItemError');
  const badOutcome = await page.evaluate(() => window.engineTest.call('u', 'record', [{ itemId: 'i4', outcome: 'adore' }]));
  expect(!badOutcome.ok && badOutcome.error.className).toBe('InvalidArgumentError');
  const ok = await page.evaluate(() => window.engineTest.call('u', 'recommend', { k: 3 }));
  expect(ok.ok && ok.value.items).toHaveLength(3);
});

test('WebGPU unavailable: falls back to wasm and reports why; auto skips the software adapter', async ({ page, context }) => {
  await serveModels(context, [v1], { offline: false, requests: [] });
  await openEnginePage(page);
  const hidden = await page.evaluate(() =>
    window.engineTest.create('nogpu', {
      modelUrl: '/test-models/v1/manifest.json',
      namespace: 'nogpu',
      backend: 'webgpu',
      worker: 'no-webgpu',
    }),
  );
  expect(hidden.ok, JSON.stringify(hidden)).toBe(true);
  if (hidden.ok) {
    expect(hidden.value.status.backend).toBe('wasm');
    expect(hidden.value.status.fallback).toMatchObject({ code: 'BACKEND_UNAVAILABLE', from: 'webgpu', to: 'wasm' });
    expect(hidden.value.status.fallback!.reason).toMatch(/navigator\.gpu is missing/);
  }
  const strict = await page.evaluate(() =>
    window.engineTest.create('strict', {
      modelUrl: '/test-models/v1/manifest.json',
      namespace: 'nogpu',
      backend: 'webgpu',
      allowFallback: false,
      worker: 'no-webgpu',
    }),
  );
  expect(!strict.ok && strict.error).toMatchObject({ className: 'BackendUnavailableError', code: 'BACKEND_UNAVAILABLE' });

  const auto = await page.evaluate(() =>
    window.engineTest.create('auto', { modelUrl: '/test-models/v1/manifest.json', namespace: 'nogpu' }),
  );
  expect(auto.ok).toBe(true);
  if (auto.ok) {
    const status = auto.value.status;
    console.log(
      `[engine] auto picked ${status.backend}; adapter ${JSON.stringify(status.adapter)}; fallback ${JSON.stringify(status.fallback)}`,
    );
    if (status.adapter?.isFallbackAdapter) {
      expect(status.backend).toBe('wasm');
      expect(status.fallback?.reason).toMatch(/software fallback/);
      expect(status.fallback?.code).toBe('SOFTWARE_GPU_SKIPPED'); // a deliberate choice, not a failure
    } else {
      expect(status.backend).toBe(status.adapter ? 'webgpu' : 'wasm');
    }
  }
});

test('a quota error surfaces as QuotaExceededError with nothing half-written active', async ({ page, context }) => {
  await serveModels(context, [v1, v2], { offline: false, requests: [] });
  await openEnginePage(page);
  // In-page engine: the page's IDBObjectStore.put is what the store calls.
  await page.evaluate(() => window.engineTest.armQuotaFault(0));
  const empty = await page.evaluate(() =>
    window.engineTest.create('q0', {
      modelUrl: '/test-models/v1/manifest.json',
      namespace: 'quota',
      backend: 'wasm',
      engine: 'in-page',
    }),
  );
  expect(!empty.ok && empty.error).toMatchObject({ className: 'QuotaExceededError', code: 'QUOTA_EXCEEDED' });
  expect(await page.evaluate(() => window.engineTest.inspectStore('quota'))).toEqual({
    active: null,
    versions: [],
    chunkVersions: [],
  });
  await page.evaluate(() => window.engineTest.disarmQuotaFault());

  const created = await page.evaluate(() =>
    window.engineTest.create('q', {
      modelUrl: '/test-models/v1/manifest.json',
      namespace: 'quota',
      backend: 'wasm',
      engine: 'in-page',
    }),
  );
  expect(created.ok).toBe(true);
  const v1Version = created.ok ? created.value.status.modelVersion : '';
  await page.evaluate((e) => window.engineTest.call('q', 'record', e), events);
  await page.evaluate(() => window.engineTest.armQuotaFault(1)); // the 2nd chunk of v2 fails
  const update = await page.evaluate(() => window.engineTest.call('q', 'update', { modelUrl: '/test-models/v2/manifest.json' }));
  await page.evaluate(() => window.engineTest.disarmQuotaFault());
  expect(!update.ok && update.error).toMatchObject({ className: 'QuotaExceededError', code: 'QUOTA_EXCEEDED' });
  expect(await page.evaluate(() => window.engineTest.inspectStore('quota'))).toEqual({
    active: v1Version,
    versions: [{ modelVersion: v1Version, complete: true }],
    chunkVersions: [v1Version],
  });
  const still = await page.evaluate(() => window.engineTest.call('q', 'recommend', { k: 4 }));
  expect(still.ok && still.value.items).toHaveLength(4);

  // With space again the update goes through, the old version is collected, the history stays.
  const retry = await page.evaluate(() => window.engineTest.call('q', 'update', { modelUrl: '/test-models/v2/manifest.json' }));
  expect(retry.ok, JSON.stringify(retry)).toBe(true);
  const stored = await page.evaluate(() => window.engineTest.inspectStore('quota'));
  expect(stored.active).not.toBe(v1Version);
  expect(stored.versions).toEqual([{ modelVersion: stored.active, complete: true }]);
  expect(retry.ok && retry.value.historyLength).toBe(3);
});

test('two tabs: a newer tab upgrading the database closes ours; our next storage call says to reload', async ({
  page,
  context,
}) => {
  await serveModels(context, [v1], { offline: false, requests: [] });
  await openEnginePage(page);
  const created = await page.evaluate(() =>
    window.engineTest.create('tab1', { modelUrl: '/test-models/v1/manifest.json', namespace: 'tabs', backend: 'wasm' }),
  );
  expect(created.ok).toBe(true);
  await page.evaluate((e) => window.engineTest.call('tab1', 'record', e), events);

  // A second tab of a newer app version upgrades the schema; ours must let go instead of blocking it.
  const other = await context.newPage();
  await openEnginePage(other);
  const upgradedTo = await other.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const request = indexedDB.open('pocketrec', 2);
        request.onsuccess = () => {
          resolve(request.result.version);
          request.result.close();
        };
        request.onerror = () => reject(request.error);
        request.onblocked = () => reject(new Error('blocked: the first tab did not close its connection'));
      }),
  );
  expect(upgradedTo).toBe(2);

  // The loaded model keeps answering from memory; storage calls report the situation, typed.
  const recommended = await page.evaluate(() => window.engineTest.call('tab1', 'recommend', { k: 3 }));
  expect(recommended.ok && recommended.value.items).toHaveLength(3);
  const history = await page.evaluate(() => window.engineTest.call('tab1', 'history'));
  expect(!history.ok && history.error).toMatchObject({ className: 'StorageBlockedError', code: 'STORAGE_BLOCKED' });
  expect(!history.ok && history.error.message).toMatch(/Reload the page/);
});

test('storage cleared by the browser: a partly evicted model is downloaded again, the history kept', async ({
  page,
  context,
}) => {
  const net = { offline: false, requests: [] as string[] };
  await serveModels(context, [v1], net);
  await openEnginePage(page);
  const first = await page.evaluate(() =>
    window.engineTest.create('ev', { modelUrl: '/test-models/v1/manifest.json', namespace: 'evict', backend: 'wasm' }),
  );
  expect(first.ok && first.value.status.modelSource).toBe('network');
  await page.evaluate((e) => window.engineTest.call('ev', 'record', e), events);
  await page.evaluate(() => window.engineTest.dispose('ev'));

  // Evict the model's chunks (the browser may drop data under storage pressure).
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const request = indexedDB.open('pocketrec');
        request.onsuccess = () => {
          const tx = request.result.transaction('chunks', 'readwrite');
          tx.objectStore('chunks').clear();
          tx.oncomplete = () => {
            request.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
        request.onerror = () => reject(request.error);
      }),
  );
  net.requests.length = 0;
  const again = await page.evaluate(() =>
    window.engineTest.create('ev2', { modelUrl: '/test-models/v1/manifest.json', namespace: 'evict', backend: 'wasm' }),
  );
  expect(again.ok && again.value.status).toMatchObject({ modelSource: 'network', historyLength: 3 });
  expect(net.requests).toContain('/test-models/v1/weights.bin');
  const result = await page.evaluate(() => window.engineTest.call('ev2', 'recommend', { k: 3 }));
  expect(result.ok && result.value.items).toHaveLength(3);
});
