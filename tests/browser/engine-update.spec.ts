/**
 * An update does not block the engine (issue 15, item 4): while `update()` downloads a new version,
 * `recommend` answers on the current model at once; a download that stalls fails with `NetworkError`
 * after the stall timeout instead of hanging until abort, and the current model keeps serving.
 */
import { expect, test } from '@playwright/test';
import { openEnginePage, serveModels, servedTinyModel } from './engine-fixtures.ts';

/** Resolves with `work`'s value, or with 'timeout' after `ms`. */
function within<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([work, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms))]);
}

test('recommend answers while an update downloads; a stalled download fails with NetworkError', async ({ page, context }) => {
  const v1 = await servedTinyModel('v1', 1);
  const v2 = await servedTinyModel('v2', 2);
  const v3 = await servedTinyModel('v3', 3);
  const stalled = { prefix: '/test-models/v3-stalled/', files: v3.files };
  await serveModels(context, [v1, v2, stalled], { offline: false, requests: [] });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held!: () => void;
  const holding = new Promise<void>((resolve) => (held = resolve));
  await context.route('**/test-models/v2/weights.bin', async (route) => {
    held();
    await released;
    await route.fallback();
  });
  await context.route('**/test-models/v3-stalled/weights.bin', () => new Promise<void>(() => undefined)); // never answers

  await openEnginePage(page);
  const created = await page.evaluate(() =>
    window.engineTest.create('u', {
      modelUrl: '/test-models/v1/manifest.json',
      namespace: 'update',
      backend: 'wasm',
      stallTimeoutMs: 1500,
    }),
  );
  expect(created.ok, JSON.stringify(created)).toBe(true);
  if (!created.ok) return;
  const v1Version = created.value.status.modelVersion;
  await page.evaluate(() => window.engineTest.call('u', 'record', [{ itemId: 'i3', outcome: 'love', time: 1_700_000_000 }]));

  // The update is held mid-download; recommend must not wait for it.
  const updating = page.evaluate(() => window.engineTest.call('u', 'update', { modelUrl: '/test-models/v2/manifest.json' }));
  await holding;
  const during = await within(
    page.evaluate(() => window.engineTest.call('u', 'recommend', { k: 3 })),
    15_000,
  );
  expect(during).not.toBe('timeout');
  expect(during !== 'timeout' && during.ok && during.value.items).toHaveLength(3);
  release();
  const updated = await updating;
  expect(updated.ok, JSON.stringify(updated)).toBe(true);
  expect(updated.ok && updated.value.modelVersion).not.toBe(v1Version);
  expect(updated.ok && updated.value.historyLength).toBe(1);

  // A download that never sends a byte fails after the stall timeout; the current model serves on.
  const stall = await within(
    page.evaluate(() => window.engineTest.call('u', 'update', { modelUrl: '/test-models/v3-stalled/manifest.json' })),
    20_000,
  );
  expect(stall).not.toBe('timeout');
  if (stall !== 'timeout') {
    expect(stall.ok).toBe(false);
    if (!stall.ok) {
      expect(stall.error.className).toBe('NetworkError');
      expect(stall.error.message).toMatch(/stalled/);
    }
  }
  const after = await page.evaluate(() => window.engineTest.call('u', 'recommend', { k: 3 }));
  expect(after.ok && after.value.items).toHaveLength(3);
});
