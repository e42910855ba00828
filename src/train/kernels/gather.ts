/**
 * `GatherV2` for the TF.js wasm backend, axis 0 without batch dims (every embedding lookup): copies
 * whole rows with `TypedArray.set` on views of the wasm heap. The stock kernel asserts each index
 * through a closure and gathers element by element (~30-40 ms for 25,600 rows of 50 here); other
 * cases go to the stock kernel, which we keep and call.
 */
import { GatherV2, type KernelConfig, type KernelFunc, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { heapView, type WasmBackendLike } from './wasm-heap.ts';

/** Builds the kernel config around the stock one (kept for the cases we do not handle). */
export function gatherWasmConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc = (args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: NamedAttrMap }): TensorInfo => {
    const x = args.inputs['x']!;
    const indices = args.inputs['indices']!;
    const axis = Number(args.attrs?.['axis'] ?? 0);
    const batchDims = Number(args.attrs?.['batchDims'] ?? 0);
    const supported =
      (axis === 0 || axis === -x.shape.length) &&
      batchDims === 0 &&
      x.shape.length >= 1 &&
      (x.dtype === 'float32' || x.dtype === 'int32') &&
      indices.dtype === 'int32';
    if (!supported) return stock.kernelFunc(args as Parameters<KernelFunc>[0]) as TensorInfo;
    const backend = args.backend as WasmBackendLike;
    const rows = x.shape[0]!;
    const rowSize = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype); // before views
    const outValues = heapView(backend, out);
    const xValues = heapView(backend, x);
    const ids = heapView(backend, indices);
    for (let i = 0; i < ids.length; i++) {
      const r = ids[i]!;
      if (r < 0 || r >= rows) throw new Error(`GatherV2: the index value ${r} is not in [0, ${rows - 1}]`);
      if (rowSize === 1) outValues[i] = xValues[r]!;
      else outValues.set(xValues.subarray(r * rowSize, (r + 1) * rowSize), i * rowSize);
    }
    return out;
  };
  return {
    kernelName: GatherV2,
    backendName: 'wasm',
    kernelFunc: kernelFunc as unknown as KernelFunc,
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
  };
}
