/**
 * `UnsortedSegmentSum` for the TF.js wasm backend, which has none. The gradient of `gather` (every
 * embedding lookup) is an unsorted segment sum, so without this kernel training fails on wasm.
 *
 * Semantics (same as the cpu reference): `x` has shape `[...S, ...inner]` where `S` is the shape of
 * `segmentIds`; `out[s, ...inner] = sum over positions p with segmentIds[p] == s of x[p, ...inner]`,
 * output shape `[numSegments, ...inner]`. Ids outside `[0, numSegments)` are dropped (as TF does).
 */
import {
  UnsortedSegmentSum,
  type KernelConfig,
  type KernelFunc,
  type NamedAttrMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';
import { heapView, type WasmBackendLike } from './wasm-heap.ts';

function unsortedSegmentSum(args: { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = args.backend as WasmBackendLike;
  const x = args.inputs['x']!;
  const segmentIds = args.inputs['segmentIds']!;
  const numSegments = Number(args.attrs?.['numSegments']);
  const outer = segmentIds.shape.reduce((a, b) => a * b, 1); // number of rows being summed
  const innerShape = x.shape.slice(segmentIds.shape.length); // shape of one row
  const inner = innerShape.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([numSegments, ...innerShape], x.dtype); // may grow the heap: first
  const outValues = heapView(backend, out);
  outValues.fill(0); // fresh heap memory is not guaranteed zero
  const xValues = heapView(backend, x);
  const ids = heapView(backend, segmentIds);
  for (let p = 0; p < outer; p++) {
    const s = ids[p]!;
    if (s < 0 || s >= numSegments) continue;
    const src = p * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) outValues[dst + j]! += xValues[src + j]!;
  }
  return out;
}

/** Register with `tf.registerKernel(unsortedSegmentSumWasmConfig)` (done by `setupTrainingBackend`). */
export const unsortedSegmentSumWasmConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as KernelFunc,
};
