/**
 * The fused WGSL score + top-k kernel (src/gpu/score-topk.ts) against the cpu reference
 * (matMul + topk): identical indices, values within 1e-4 relative, no leaked tensors; and its time
 * next to TF.js' own matMul + topk on the same WebGPU adapter (printed, not asserted: speed lives in
 * `npm run bench`).
 */
import { expect, test } from '@playwright/test';

const CASES = [
  { items: 5000, dim: 64, queries: 3, k: 10, seed: 11, excludeEvery: 0 },
  { items: 5000, dim: 50, queries: 4, k: 100, seed: 12, excludeEvery: 3 },
  { items: 70001, dim: 64, queries: 2, k: 100, seed: 13, excludeEvery: 7 },
];

test('fused score + top-k on WebGPU matches matMul + topk on cpu', async ({ page }) => {
  await page.goto('/tests/pages/kernels.html');
  await expect(page.locator('#status')).toHaveText('ready');
  for (const spec of CASES) {
    const reference = await page.evaluate((spec) => window.kernels.run('cpu', spec, 'reference', 0), spec);
    const fused = await page.evaluate((spec) => window.kernels.run('webgpu', spec, 'auto', 2), spec);
    const tfjs = await page.evaluate((spec) => window.kernels.run('webgpu', spec, 'reference', 2), spec);
    expect(fused.path).toBe('fused-webgpu');
    expect(fused.tensorsLeaked).toBe(0);
    expect(fused.indices).toEqual(reference.indices);
    expect(tfjs.indices).toEqual(reference.indices);
    let maxError = 0;
    for (let i = 0; i < reference.values.length; i++) {
      maxError = Math.max(
        maxError,
        Math.abs(fused.values[i]! - reference.values[i]!) / Math.max(1, Math.abs(reference.values[i]!)),
      );
    }
    expect(maxError).toBeLessThan(1e-4);
    if (spec.excludeEvery > 0) {
      expect(fused.indices.every((index) => index % spec.excludeEvery !== 0)).toBe(true);
    }
    console.log(
      `[kernels] N=${spec.items} d=${spec.dim} Q=${spec.queries} k=${spec.k}: fused ${fused.medianMillis.toFixed(1)} ms, ` +
        `tf matMul+topk ${tfjs.medianMillis.toFixed(1)} ms on webgpu; max rel value error ${maxError.toExponential(2)}; indices identical`,
    );
  }
});
