/**
 * WebGPU vs the cpu reference on the shipped model, each in its own worker through the public API:
 * same top-k (ids and order) and scores within tolerance, for embedding retrieval with an outcome
 * budget over all horizons, and for SID generation when the model has a SID head.
 *
 * Tolerance: scores are dot products of unit vectors (|score| <= 1) after a small transformer in
 * float32; kernels accumulate in different orders, so 1e-3 absolute is allowed (measured diffs are
 * printed).
 */
import { expect, test } from '@playwright/test';
import { SHIPPED_MODEL_URL, openEnginePage } from './engine-fixtures.ts';
import { SHIPPED_EVENTS, SHIPPED_MORE_EVENTS } from './engine-shipped.ts';

test('recommendations on WebGPU match the cpu reference', async ({ page }) => {
  await openEnginePage(page);
  const runs: Record<string, { ids: string[]; scores: number[]; millis: number; kernel: string }[]> = {};
  for (const backend of ['cpu', 'webgpu'] as const) {
    const created = await page.evaluate(
      ({ url, backend }) =>
        window.engineTest.create(backend, { modelUrl: url, namespace: `parity-${backend}`, backend, allowFallback: false }),
      { url: SHIPPED_MODEL_URL, backend },
    );
    expect(created.ok, JSON.stringify(created)).toBe(true);
    if (!created.ok) return;
    expect(created.value.status.backend).toBe(backend);
    console.log(`[parity] ${backend}: loaded in ${created.value.millis.toFixed(0)} ms (download, verify, store, warm-up)`);
    await page.evaluate(({ name, events }) => window.engineTest.call(name, 'record', events), {
      name: backend,
      events: SHIPPED_EVENTS,
    });
    await page.evaluate(({ name, events }) => window.engineTest.call(name, 'record', events), {
      name: backend,
      events: SHIPPED_MORE_EVENTS,
    });
    const requests: Record<string, unknown>[] = [
      {}, // the default request: its shaders were compiled during load (warm-up)
      { k: 20, outcomeBudget: { love: 0.7, watch: 0.3 } },
      { k: 10, horizon: 'next' },
    ];
    if (created.value.status.sidAvailable) requests.push({ k: 10, mode: 'sid', beamWidth: 20 });
    runs[backend] = [];
    for (const request of requests) {
      const result = await page.evaluate(({ name, request }) => window.engineTest.call(name, 'recommend', request), {
        name: backend,
        request,
      });
      expect(result.ok, JSON.stringify(result)).toBe(true);
      if (!result.ok) return;
      runs[backend]!.push({
        ids: result.value.items.map((i) => i.itemId),
        scores: result.value.items.map((i) => i.score),
        millis: result.value.millis,
        kernel: result.value.kernel,
      });
    }
    await page.evaluate((name) => window.engineTest.dispose(name), backend);
  }
  runs.cpu!.forEach((reference, r) => {
    const gpu = runs.webgpu![r]!;
    const maxDiff = Math.max(...reference.scores.map((s, j) => Math.abs(s - gpu.scores[j]!)));
    console.log(
      `[parity] request ${r}: webgpu (${gpu.kernel}, ${gpu.millis.toFixed(0)} ms) vs cpu (${reference.kernel}, ${reference.millis.toFixed(0)} ms): max score diff ${maxDiff.toExponential(2)}, same ids: ${JSON.stringify(gpu.ids) === JSON.stringify(reference.ids)}`,
    );
    expect(gpu.ids).toEqual(reference.ids);
    expect(maxDiff).toBeLessThan(1e-3);
  });
});
