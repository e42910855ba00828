/**
 * Helpers for custom kernels on the TF.js wasm backend: zero-copy views of tensors that live in the
 * wasm heap. The wasm backend's own `readSync` copies the whole tensor out of the heap on every call,
 * which is what made its Slice kernel slow; these views read the heap in place.
 *
 * Views are invalidated when the heap grows (the ArrayBuffer is replaced), so a kernel must allocate
 * its output (which may grow the heap) BEFORE taking views of its inputs.
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';

/** The parts of `BackendWasm` (tfjs-backend-wasm) that our kernels use. */
export interface WasmBackendLike {
  dataIdMap: { get(dataId: object): { memoryOffset: number; shape: number[]; dtype: DataType } | undefined };
  wasm: { HEAPU8: Uint8Array };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object): boolean;
}

/** A typed view (no copy) of a float32/int32 tensor inside the wasm heap. */
export function heapView(backend: WasmBackendLike, info: TensorInfo): Float32Array | Int32Array {
  const entry = backend.dataIdMap.get(info.dataId);
  if (!entry) throw new Error('wasm kernel: tensor is not on the wasm backend');
  const size = info.shape.reduce((a, b) => a * b, 1);
  const buffer = backend.wasm.HEAPU8.buffer;
  if (info.dtype === 'float32') return new Float32Array(buffer, entry.memoryOffset, size);
  if (info.dtype === 'int32') return new Int32Array(buffer, entry.memoryOffset, size);
  throw new Error(`wasm kernel: unsupported dtype ${info.dtype}`);
}
