/**
 * Kernel check page: runs src/gpu/score-topk.ts on a chosen backend with seeded inputs and returns
 * plain arrays, so tests/browser/kernels.spec.ts can compare the fused WebGPU kernel with the cpu
 * reference (matMul + topk) and time both paths on the same adapter.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-cpu';
import { scoreTopK, scoreTopKReference } from '../../src/gpu/score-topk.ts';

/** One problem: Q queries against N items of width d, top-k, with some items excluded. */
export interface TopKCase {
  items: number;
  dim: number;
  queries: number;
  k: number;
  seed: number;
  /** Every `excludeEvery`-th item gets bias -Infinity (0 = no bias). */
  excludeEvery: number;
}

/** Output of one run. */
export interface TopKRun {
  backend: string;
  path: string;
  values: number[];
  indices: number[];
  /** Median wall time over `repeats` runs, read-back included (first run excluded as warm-up). */
  medianMillis: number;
  tensorsLeaked: number;
}

function seeded(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 4294967296 - 0.5;
  }
  return out;
}

async function run(backend: string, spec: TopKCase, variant: 'auto' | 'reference', repeats: number): Promise<TopKRun> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
  await tf.ready();
  const before = tf.memory().numTensors;
  const items = tf.tensor2d(seeded(spec.items * spec.dim, spec.seed), [spec.items, spec.dim]);
  const queries = tf.tensor2d(seeded(spec.queries * spec.dim, spec.seed + 7), [spec.queries, spec.dim]);
  let bias: tf.Tensor1D | undefined;
  if (spec.excludeEvery > 0) {
    const values = new Float32Array(spec.items);
    for (let i = 0; i < spec.items; i += spec.excludeEvery) values[i] = -Infinity;
    bias = tf.tensor1d(values);
  }
  const times: number[] = [];
  let result: { values: number[]; indices: number[]; path: string } | undefined;
  for (let r = 0; r <= repeats; r++) {
    const started = performance.now();
    const top = variant === 'auto' ? scoreTopK(queries, items, spec.k, bias) : scoreTopKReference(queries, items, spec.k, bias);
    const [values, indices] = await Promise.all([top.values.data(), top.indices.data()]);
    if (r > 0) times.push(performance.now() - started);
    result = { values: Array.from(values), indices: Array.from(indices), path: top.path };
    tf.dispose([top.values, top.indices]);
  }
  tf.dispose([items, queries, ...(bias ? [bias] : [])]);
  times.sort((a, b) => a - b);
  return {
    backend: tf.getBackend(),
    path: result!.path,
    values: result!.values,
    indices: result!.indices,
    medianMillis: times[Math.floor(times.length / 2)] ?? NaN,
    tensorsLeaked: tf.memory().numTensors - before,
  };
}

const kernels = { run };

declare global {
  interface Window {
    kernels: typeof kernels;
  }
}
window.kernels = kernels;
document.getElementById('status')!.textContent = 'ready';
