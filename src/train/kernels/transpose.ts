/**
 * `Transpose` for the TF.js wasm backend: 2-D float32/int32 transposes (after dropping size-1 axes)
 * done as a cache-blocked copy on a view of the wasm heap. The stock C++ kernel took ~88 ms for a
 * [25600, 200] matrix here, and the explicit transposes of activations in the matmul gradients are on
 * every training step; the blocked copy is several times faster. Every other case (rank > 2 after
 * squeezing, other dtypes) goes to the stock kernel, which we keep and call.
 */
import { Transpose, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapView, type WasmBackendLike } from './wasm-heap.ts';

/** Tile edge: 8 was fastest here (12.9 ms for [25600, 200] vs 40.6 ms at 32). */
const BLOCK = 8;

/** Blocked transpose of a rows x cols matrix: out[c * rows + r] = x[r * cols + c]. */
export function transposeBlocked(x: Float32Array | Int32Array, out: Float32Array | Int32Array, rows: number, cols: number): void {
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const r1 = Math.min(rows, r0 + BLOCK);
    for (let c0 = 0; c0 < cols; c0 += BLOCK) {
      const c1 = Math.min(cols, c0 + BLOCK);
      for (let r = r0; r < r1; r++) {
        const src = r * cols;
        for (let c = c0; c < c1; c++) out[c * rows + r] = x[src + c]!;
      }
    }
  }
}

/** Builds the kernel config around the stock one (kept for the cases we do not handle). */
export function transposeWasmConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: NamedAttrMap }): TensorInfo => {
    const x = args.inputs['x']!;
    const perm = args.attrs?.['perm'] as number[];
    const big = x.shape.map((s, i) => ({ s, i })).filter((a) => a.s !== 1);
    const permBig = perm.filter((p) => x.shape[p] !== 1);
    const swapped = big.length === 2 && permBig[0] === big[1]!.i && permBig[1] === big[0]!.i;
    if (!swapped || (x.dtype !== 'float32' && x.dtype !== 'int32'))
      return stock.kernelFunc(args as Parameters<KernelFunc>[0]) as TensorInfo;
    const backend = args.backend as WasmBackendLike;
    const out = backend.makeOutput(
      perm.map((p) => x.shape[p]!),
      x.dtype,
    ); // before views: may grow the heap
    transposeBlocked(heapView(backend, x), heapView(backend, out), big[0]!.s, big[1]!.s);
    return out;
  };
  return {
    kernelName: Transpose,
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
  };
}
