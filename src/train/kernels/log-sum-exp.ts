/**
 * `PocketrecLogSumExpRows` for the TF.js wasm backend: x [n, m] -> log-sum-exp of each row [n], the
 * shifted exponentials exp(x - rowmax) [n, m] and each row's 1 / sum of them [n], in two passes over a
 * view of the wasm heap (`logSumExpRows` in src/train/losses.ts). The softmax, the gradient of the
 * log-sum-exp, is exps * (1 / sum): the backward pass is one multiply (with the row factor folded into
 * dy) instead of subtract + exp + multiply over the logits; on the full softmax (logits [queries,
 * items]) the two stock Exp calls were ~29% of a step. Float32; sums in float64.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { expNonPositive } from './fast-exp.ts';
import { heapView, type WasmBackendLike } from './wasm-heap.ts';

/** The kernel's name (also read by src/train/losses.ts to decide whether to use it). */
export const LOG_SUM_EXP_ROWS_KERNEL = 'PocketrecLogSumExpRows';

/** lse[i] = log sum_j exp(x[i, j]); exps[i, j] = exp(x[i, j] - max_j x[i, j]); inv[i] = 1 / sum_j exps[i, j]. */
export function logSumExpRowsInto(
  x: Float32Array,
  lse: Float32Array,
  exps: Float32Array,
  inv: Float32Array,
  rows: number,
  cols: number,
): void {
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) if (x[base + j]! > max) max = x[base + j]!;
    if (max === -Infinity) max = 0; // all -inf: lse -inf, softmax NaN, as the composite gives
    let sum = 0;
    for (let j = 0; j < cols; j++) {
      const e = expNonPositive(x[base + j]! - max);
      exps[base + j] = e;
      sum += e;
    }
    inv[i] = 1 / sum;
    lse[i] = max + Math.log(sum);
  }
}

function logSumExpRows(args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: NamedAttrMap }): TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs['x']!;
  if (x.shape.length !== 2 || x.dtype !== 'float32')
    throw new Error(`${LOG_SUM_EXP_ROWS_KERNEL}: needs a float32 matrix, got ${x.dtype} [${x.shape}]`);
  const [rows, cols] = x.shape as [number, number];
  const lse = backend.makeOutput([rows], 'float32'); // may grow the heap: before views
  const exps = backend.makeOutput([rows, cols], 'float32');
  const inv = backend.makeOutput([rows], 'float32');
  logSumExpRowsInto(
    heapView(backend, x) as Float32Array,
    heapView(backend, lse) as Float32Array,
    heapView(backend, exps) as Float32Array,
    heapView(backend, inv) as Float32Array,
    rows,
    cols,
  );
  return [lse, exps, inv];
}

/** Register with `tf.registerKernel(logSumExpRowsWasmConfig)` (done by `setupTrainingBackend`). */
export const logSumExpRowsWasmConfig: KernelConfig = {
  kernelName: LOG_SUM_EXP_ROWS_KERNEL,
  backendName: 'wasm',
  kernelFunc: logSumExpRows as unknown as KernelFunc,
};
