/**
 * `PocketrecColumnSums` for the TF.js wasm backend: x [n, d] -> its column sums [d], one pass over a
 * view of the wasm heap. The op (`columnSums` in src/model/ops.ts) computes the gradient of every
 * bias, LayerNorm gain and row broadcast; without this kernel it runs as `ones[1, n] @ x`, whose
 * XNNPACK matmul packs all of x as "weights" first (~300 ms for [25600, 200] here, most of a step).
 * Float32 only; accumulates in float64 per column.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { COLUMN_SUMS_KERNEL } from '../../model/ops.ts';
import { heapView, type WasmBackendLike } from './wasm-heap.ts';

/** out[j] = sum_i x[i * cols + j] (float64 accumulation). */
export function columnSumsInto(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
  const acc = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const base = i * cols;
    for (let j = 0; j < cols; j++) acc[j]! += x[base + j]!;
  }
  out.set(acc);
}

function columnSums(args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs['x']!;
  if (x.shape.length !== 2 || x.dtype !== 'float32')
    throw new Error(`${COLUMN_SUMS_KERNEL}: needs a float32 matrix, got ${x.dtype} [${x.shape}]`);
  const [rows, cols] = x.shape as [number, number];
  const out = backend.makeOutput([cols], 'float32'); // may grow the heap: before views
  columnSumsInto(heapView(backend, x) as Float32Array, heapView(backend, out) as Float32Array, rows, cols);
  return out;
}

/** Register with `tf.registerKernel(columnSumsWasmConfig)` (done by `setupTrainingBackend`). */
export const columnSumsWasmConfig: KernelConfig = {
  kernelName: COLUMN_SUMS_KERNEL,
  backendName: 'wasm',
  kernelFunc: columnSums as unknown as KernelFunc,
};
