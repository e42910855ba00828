/**
 * Harness worker: initialises TF.js on one backend at a time and runs the same small retrieval-shaped
 * computation on each (scores = queries @ itemsᵀ, softmax over items, top-k), so the browser suite can
 * check that webgpu, wasm and cpu agree. Inputs come from a seeded generator, not tf.random, so every
 * backend sees identical numbers.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import * as Comlink from 'comlink';

// The threaded wasm build hangs in minified bundles (see docs/development.md); use the single-threaded one.
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedUrl,
});

/** Size of the parity problem. */
export interface ParitySpec {
  items: number;
  dim: number;
  queries: number;
  k: number;
  seed: number;
}

/** What one backend computed. */
export interface ParityResult {
  backend: string;
  /** Softmax probabilities over items, row-major [queries, items]. */
  probabilities: Float32Array;
  /** Raw scores (queries @ itemsᵀ), row-major [queries, items]. */
  scores: Float32Array;
  /** Top-k item indices per query, row-major [queries, k]. */
  topIndices: Int32Array;
  /** Wall time of the computation including the read-back, in ms. */
  millis: number;
  /** tf.memory().numTensors after the computation (should equal the count before it). */
  tensorsAfter: number;
  tensorsBefore: number;
}

/** WebGPU adapter description, as the browser reports it. */
export interface AdapterReport {
  available: boolean;
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
  reason?: string;
}

/** Mulberry32: a tiny seeded PRNG so every backend gets bit-identical inputs. */
function seededNormals(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const u = Math.max(uniform(), 1e-12);
    out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform()); // Box-Muller
  }
  return out;
}

const api = {
  /** Describes the WebGPU adapter this worker gets, or why there is none. */
  async adapter(): Promise<AdapterReport> {
    if (!('gpu' in navigator) || !navigator.gpu) return { available: false, reason: 'navigator.gpu is missing' };
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { available: false, reason: 'requestAdapter() returned null' };
    const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
    return {
      available: true,
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      isFallbackAdapter: info.isFallbackAdapter,
    };
  },

  /** Runs the parity computation on `backend` ('webgpu' | 'wasm' | 'cpu'). */
  async run(backend: string, spec: ParitySpec): Promise<ParityResult> {
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`tf.setBackend('${backend}') failed`);
    await tf.ready();
    const tensorsBefore = tf.memory().numTensors;
    const itemValues = seededNormals(spec.items * spec.dim, spec.seed);
    const queryValues = seededNormals(spec.queries * spec.dim, spec.seed + 1);
    const started = performance.now();
    const [scores, probabilities, topIndices] = tf.tidy(() => {
      const items = tf.tensor2d(itemValues, [spec.items, spec.dim]); // [N, d]
      const queries = tf.tensor2d(queryValues, [spec.queries, spec.dim]); // [Q, d]
      const scores = tf.matMul(queries, items, false, true); // [Q, N]
      const probabilities = tf.softmax(scores); // [Q, N]
      const { indices } = tf.topk(scores, spec.k); // [Q, k]
      return [scores, probabilities, indices];
    });
    const [scoreData, probabilityData, indexData] = await Promise.all([
      scores.data() as Promise<Float32Array>,
      probabilities.data() as Promise<Float32Array>,
      topIndices.data() as Promise<Int32Array>,
    ]);
    const millis = performance.now() - started;
    tf.dispose([scores, probabilities, topIndices]);
    return {
      backend: tf.getBackend(),
      scores: scoreData,
      probabilities: probabilityData,
      topIndices: indexData,
      millis,
      tensorsBefore,
      tensorsAfter: tf.memory().numTensors,
    };
  },
};

/** The worker's API, as the page sees it through comlink. */
export type ParityWorkerApi = typeof api;

Comlink.expose(api);
