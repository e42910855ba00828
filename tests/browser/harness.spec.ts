/**
 * Proves the browser harness: a comlink-wrapped module worker runs TF.js on webgpu, wasm and cpu,
 * and the three agree on a retrieval-shaped computation (matmul + softmax + top-k).
 *
 * Tolerances: raw scores are sums of 64 products of unit normals (|score| up to ~40); float32
 * accumulation in a different order differs by ~1e-5 relative, so we allow 1e-4 * max(1, |score|).
 * Softmax probabilities must agree to 1e-5 absolute. Top-k indices must be identical.
 */
import { expect, test } from '@playwright/test';

const SPEC = { items: 4096, dim: 64, queries: 8, k: 20, seed: 1234 };
const BACKENDS = ['cpu', 'wasm', 'webgpu'] as const;

test('WebGPU adapter is available and reported', async ({ page }, testInfo) => {
  await page.goto('/tests/pages/harness.html');
  await expect(page.locator('#status')).toHaveText('ready');
  const adapter = await page.evaluate(() => window.harness.adapter());
  console.log(`[webgpu] adapter: ${JSON.stringify(adapter)}`);
  testInfo.annotations.push({ type: 'webgpu-adapter', description: JSON.stringify(adapter) });
  // A missing adapter is a failure, never a skip: the suite exists to test WebGPU.
  expect(adapter.available, `no WebGPU adapter: ${adapter.reason}`).toBe(true);
  expect(adapter.vendor ?? '').not.toBe('');
});

test('webgpu, wasm and cpu agree on matmul + softmax + top-k', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto('/tests/pages/harness.html');
  await expect(page.locator('#status')).toHaveText('ready');

  const runs = [];
  for (const backend of BACKENDS) {
    const run = await page.evaluate(({ backend, spec }) => window.harness.parity(backend, spec), {
      backend,
      spec: SPEC,
    });
    expect(run.backend).toBe(backend);
    expect(run.scores).toHaveLength(SPEC.queries * SPEC.items);
    expect(run.tensorsAfter, `${backend} leaked tensors`).toBe(run.tensorsBefore);
    console.log(
      `[parity] ${backend}: ${run.millis.toFixed(1)} ms for [${SPEC.queries}x${SPEC.dim}] @ [${SPEC.items}x${SPEC.dim}]ᵀ + softmax + top-${SPEC.k}`,
    );
    runs.push(run);
  }

  const reference = runs[0]!; // cpu
  for (const run of runs.slice(1)) {
    let maxScoreError = 0;
    let maxProbabilityError = 0;
    for (let i = 0; i < reference.scores.length; i++) {
      const expected = reference.scores[i]!;
      maxScoreError = Math.max(maxScoreError, Math.abs(run.scores[i]! - expected) / Math.max(1, Math.abs(expected)));
      maxProbabilityError = Math.max(maxProbabilityError, Math.abs(run.probabilities[i]! - reference.probabilities[i]!));
    }
    console.log(
      `[parity] ${run.backend} vs cpu: max rel score error ${maxScoreError.toExponential(2)} (tolerance 1e-4), ` +
        `max abs softmax error ${maxProbabilityError.toExponential(2)} (tolerance 1e-5), top-${SPEC.k} identical: ` +
        `${JSON.stringify(run.topIndices) === JSON.stringify(reference.topIndices)}`,
    );
    expect(maxScoreError).toBeLessThan(1e-4);
    expect(maxProbabilityError).toBeLessThan(1e-5);
    expect(run.topIndices).toEqual(reference.topIndices);
  }
  expect(errors).toEqual([]);
});
