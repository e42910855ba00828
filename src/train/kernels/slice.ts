/**
 * A `Slice` kernel for the TF.js wasm backend that reads its input in place. The stock kernel calls
 * `readSync`, which copies the WHOLE input out of the wasm heap on every call (slicing one sequence
 * out of a [batch, len, dim] tensor copied the full batch); measured ~12% of a training step.
 *
 * Semantics are TF's: `out = x[begin[0]:begin[0]+size[0], ...]`, `size[i] == -1` meaning "to the end".
 * Strings are not supported (they never reach the training path); float32 and int32 are.
 */
import {
  backend_util,
  Slice,
  SplitV,
  slice_util,
  util,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { heapView, type WasmBackendLike } from './wasm-heap.ts';

export function sliceInPlace(args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs['x']!;
  // parseSliceParams returns [begin, size], typed as number[][].
  const [begin, size] = slice_util.parseSliceParams(
    x,
    args.attrs?.['begin'] as number | number[],
    args.attrs?.['size'] as number | number[] | undefined,
  ) as [number[], number[]];
  const out = backend.makeOutput(size, x.dtype); // may grow the heap: before taking views
  const outValues = heapView(backend, out);
  if (outValues.length === 0) return out;
  const xValues = heapView(backend, x);
  const rank = x.shape.length;
  // Strides of x (row-major).
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = strides[i + 1]! * x.shape[i + 1]!;
  if (slice_util.isSliceContinous(x.shape, begin, size)) {
    const start = slice_util.computeFlatOffset(begin, strides);
    outValues.set(xValues.subarray(start, start + outValues.length));
    return out;
  }
  // Copy runs along the last axis, walking an index over the leading axes.
  const run = size[rank - 1]!;
  const index = new Array<number>(Math.max(rank - 1, 0)).fill(0);
  let written = 0;
  for (;;) {
    let src = begin[rank - 1]!;
    for (let i = 0; i < rank - 1; i++) src += (begin[i]! + index[i]!) * strides[i]!;
    outValues.set(xValues.subarray(src, src + run), written);
    written += run;
    let axis = rank - 2;
    while (axis >= 0) {
      index[axis]!++;
      if (index[axis]! < size[axis]!) break;
      index[axis] = 0;
      axis--;
    }
    if (axis < 0) break;
  }
  return out;
}

/** Register with `tf.registerKernel(sliceWasmConfig)` after unregistering the stock one. */
export const sliceWasmConfig: KernelConfig = {
  kernelName: Slice,
  backendName: 'wasm',
  kernelFunc: sliceInPlace as unknown as KernelFunc,
};

/**
 * `SplitV` for wasm: the stock kernel calls the stock Slice (bypassing any registered one), so every
 * piece copied the whole input; splitting a [B*L, d] tensor into B sequences copied it B times
 * (measured: 44% of a training step). Same semantics, pieces read in place.
 */
function splitInPlace(args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: NamedAttrMap }): TensorInfo[] {
  const x = args.inputs['x']!;
  const axis = util.parseAxisParam(args.attrs?.['axis'] as number, x.shape)[0]!;
  const sizes = backend_util.prepareSplitSize(
    x as unknown as Parameters<typeof backend_util.prepareSplitSize>[0],
    args.attrs?.['numOrSizeSplits'] as number | number[],
    axis,
  );
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[axis] = s;
    const piece = sliceInPlace({ inputs: { x }, backend: args.backend, attrs: { begin: [...begin], size } });
    begin[axis]! += s;
    return piece;
  });
}

/** Register with `tf.registerKernel(splitVWasmConfig)` after unregistering the stock one. */
export const splitVWasmConfig: KernelConfig = {
  kernelName: SplitV,
  backendName: 'wasm',
  kernelFunc: splitInPlace as unknown as KernelFunc,
};
