/**
 * Sessions and memory on the shipped model, engine in a worker:
 * - recording after a prefill goes through the KV cache (only the new tokens are computed) and gives
 *   the same recommendations as a full recompute (a second recommender that prefills the stored
 *   history in one pass);
 * - tf.memory() in the worker is flat across 1,000 recommend calls on wasm, and across a smaller
 *   count on WebGPU (SwiftShader is a slow, software device).
 */
import { expect, test } from '@playwright/test';
import { SHIPPED_MODEL_URL, openEnginePage } from './engine-fixtures.ts';
import { SHIPPED_EVENTS, SHIPPED_MORE_EVENTS } from './engine-shipped.ts';

const REQUEST = { k: 12, outcomeBudget: { love: 0.7, watch: 0.3 } };

test('recording appends through the KV cache and equals a full recompute', async ({ page }) => {
  await openEnginePage(page);
  const created = await page.evaluate(
    (url) => window.engineTest.create('kv', { modelUrl: url, namespace: 'session', backend: 'wasm' }),
    SHIPPED_MODEL_URL,
  );
  expect(created.ok, JSON.stringify(created)).toBe(true);
  const first = await page.evaluate((e) => window.engineTest.call('kv', 'record', e), SHIPPED_EVENTS);
  expect(first.ok && first.value).toEqual({ recorded: 5, tokensComputed: 5, path: 'prefill', sessionLength: 5 });
  const more = await page.evaluate((e) => window.engineTest.call('kv', 'record', e), SHIPPED_MORE_EVENTS);
  expect(more.ok && more.value).toEqual({ recorded: 3, tokensComputed: 3, path: 'append', sessionLength: 8 });
  const cached = await page.evaluate((r) => window.engineTest.call('kv', 'recommend', r), REQUEST);
  expect(cached.ok && cached.value.items).toHaveLength(12);

  // A second worker on the same namespace: model from IndexedDB, the 8 stored events prefilled at once.
  const full = await page.evaluate(
    (url) => window.engineTest.create('full', { modelUrl: url, namespace: 'session', backend: 'wasm' }),
    SHIPPED_MODEL_URL,
  );
  expect(full.ok && full.value.status).toMatchObject({ modelSource: 'storage', historyLength: 8 });
  const recomputed = await page.evaluate((r) => window.engineTest.call('full', 'recommend', r), REQUEST);
  if (!cached.ok || !recomputed.ok) throw new Error('recommend failed');
  expect(recomputed.value.items.map((i) => i.itemId)).toEqual(cached.value.items.map((i) => i.itemId));
  let maxDiff = 0;
  cached.value.items.forEach((item, j) => (maxDiff = Math.max(maxDiff, Math.abs(item.score - recomputed.value.items[j]!.score))));
  console.log(`[engine] KV-cache vs full recompute: max score difference ${maxDiff.toExponential(2)}`);
  expect(maxDiff).toBeLessThan(1e-4);
  for (const item of cached.value.items)
    expect([...SHIPPED_EVENTS, ...SHIPPED_MORE_EVENTS].map((e) => e.itemId)).not.toContain(item.itemId);
});

test('tf.memory() in the worker stays flat across 1,000 recommend calls (wasm) and 20 (webgpu)', async ({ page }) => {
  await openEnginePage(page);
  for (const [backend, count] of [
    ['wasm', 1000],
    ['webgpu', 20],
  ] as const) {
    const name = `mem-${backend}`;
    const created = await page.evaluate(
      ({ url, name, backend }) => window.engineTest.create(name, { modelUrl: url, namespace: `memory-${backend}`, backend }),
      { url: SHIPPED_MODEL_URL, name, backend },
    );
    expect(created.ok, JSON.stringify(created)).toBe(true);
    expect(created.ok && created.value.status.backend).toBe(backend);
    await page.evaluate(({ name, events }) => window.engineTest.call(name, 'record', events), { name, events: SHIPPED_EVENTS });
    const run = await page.evaluate(
      ({ name, count }) =>
        window.engineTest.recommendMany(name, count, {
          k: 10,
          outcomeBudget: { love: 0.7, watch: 0.3 },
          filter: { deny: ['2571'] },
        }),
      { name, count },
    );
    expect(run.ok, JSON.stringify(run)).toBe(true);
    if (!run.ok) continue;
    console.log(
      `[engine] ${backend}: ${count} recommend calls, ${run.value.millisPerCall.toFixed(2)} ms/call; tensors ${run.value.before.numTensors} -> ${run.value.after.numTensors}, bytes ${run.value.before.numBytes} -> ${run.value.after.numBytes}`,
    );
    expect(run.value.after.numTensors).toBe(run.value.before.numTensors);
    expect(run.value.after.numBytes).toBe(run.value.before.numBytes);
    await page.evaluate((name) => window.engineTest.dispose(name), name);
  }
});
