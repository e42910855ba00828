/**
 * Binary tensor packing shared by artifacts and checkpoints: named float32/int32 tensors concatenated
 * little-endian, each starting at a multiple of 4 bytes, described by `TensorEntry`s. Works on plain
 * ArrayBuffers (no fs), so the browser and Node load with the same code.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ArtifactDType, TensorEntry } from './manifest.ts';

/** Values of one tensor to pack: a name, shape and typed data. */
export interface HostTensor {
  name: string;
  shape: number[];
  data: Float32Array | Int32Array | Uint16Array | Uint8Array;
}

function dtypeOf(data: HostTensor['data']): ArtifactDType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint16Array) return 'uint16';
  return 'uint8';
}

const BYTES: Record<ArtifactDType, number> = { float32: 4, int32: 4, uint16: 2, uint8: 1 };

/** Concatenates tensors into one buffer (little-endian; this is every platform TF.js runs on). */
export function packTensors(tensors: HostTensor[]): { entries: TensorEntry[]; bytes: Uint8Array } {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new Error(`packTensors: ${t.name} has ${t.data.length} values for shape [${t.shape}]`);
    entries.push({ name: t.name, dtype: dtypeOf(t.data), shape: t.shape, byteOffset: offset });
    offset += Math.ceil(t.data.byteLength / 4) * 4;
  }
  const bytes = new Uint8Array(offset);
  tensors.forEach((t, i) =>
    bytes.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), entries[i]!.byteOffset),
  );
  return { entries, bytes };
}

/** Reads one entry's values out of a packed buffer (a copy, aligned). Throws when out of bounds. */
export function readTensorValues(entry: TensorEntry, buffer: ArrayBuffer): Float32Array | Int32Array | Uint16Array | Uint8Array {
  const size = entry.shape.reduce((a, b) => a * b, 1);
  const end = entry.byteOffset + size * BYTES[entry.dtype];
  if (entry.byteOffset % 4 !== 0 || end > buffer.byteLength) {
    throw new Error(`tensor ${entry.name}: bytes ${entry.byteOffset}..${end} are outside the ${buffer.byteLength}-byte file`);
  }
  const slice = buffer.slice(entry.byteOffset, end);
  switch (entry.dtype) {
    case 'float32':
      return new Float32Array(slice);
    case 'int32':
      return new Int32Array(slice);
    case 'uint16':
      return new Uint16Array(slice);
    case 'uint8':
      return new Uint8Array(slice);
  }
}

/** Rebuilds float32/int32 tensors (on the current backend) from a packed buffer. */
export function unpackTensors(entries: TensorEntry[], buffer: ArrayBuffer): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  for (const e of entries) {
    const values = readTensorValues(e, buffer);
    if (values instanceof Float32Array) out.set(e.name, tf.tensor(values, e.shape, 'float32'));
    else if (values instanceof Int32Array) out.set(e.name, tf.tensor(values, e.shape, 'int32'));
    else out.set(e.name, tf.tensor(Int32Array.from(values), e.shape, 'int32'));
  }
  return out;
}
