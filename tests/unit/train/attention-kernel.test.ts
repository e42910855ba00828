import * as tf from '@tensorflow/tfjs-core';
// Gradient functions of the stock ops (the core-ops reference path is differentiated by TF.js).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { CAUSAL_ATTENTION_KERNEL, causalAttention, packRows, unpackRows } from '../../../src/model/attention.ts';
import { TIME_FEATURES, type TokenBatch } from '../../../src/model/tokens.ts';
import { setupTrainingBackend } from '../../../src/train/backend.ts';

const seq = (n: number, s: number) => Array.from({ length: n }, (_, i) => Math.sin(i * s + 1) * 1.5);

/**
 * Value and gradients (wrt q, k, v of sum(attention * w)) on one backend: wasm runs the fused
 * kernels, cpu has none and runs the per-sequence core-ops reference.
 */
async function attentionOn(
  backend: 'cpu' | 'wasm',
  lengths: number[],
  cached: number | number[],
  heads: number,
  d: number,
): Promise<number[][]> {
  await tf.setBackend(backend);
  const R = lengths.reduce((a, b) => a + b, 0);
  const keys = R + (typeof cached === 'number' ? cached * lengths.length : cached.reduce((a, b) => a + b, 0));
  return tf.tidy(() => {
    const q = tf.tensor2d(seq(R * d, 0.37), [R, d]);
    const k = tf.tensor2d(seq(keys * d, 0.71), [keys, d]);
    const v = tf.tensor2d(seq(keys * d, 1.13), [keys, d]);
    const w = tf.tensor2d(seq(R * d, 0.53), [R, d]);
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      causalAttention(
        a as tf.Tensor2D,
        b as tf.Tensor2D,
        c as tf.Tensor2D,
        Int32Array.from(lengths),
        typeof cached === 'number' ? cached : Int32Array.from(cached),
        heads,
      );
    const value = f(q, k, v);
    const grads = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(f(a, b, c), w)))([q, k, v]);
    return [value, ...grads].map((t) => Array.from(t.dataSync()));
  });
}

describe('fused causal attention (wasm kernels) vs the core-ops reference (cpu)', () => {
  beforeAll(async () => {
    await setupTrainingBackend('wasm');
  });

  it('is registered on wasm only', () => {
    expect(tf.getKernel(CAUSAL_ATTENTION_KERNEL, 'wasm')).toBeDefined();
    expect(tf.getKernel(CAUSAL_ATTENTION_KERNEL, 'cpu')).toBeUndefined();
  });

  const cases: { name: string; lengths: number[]; cached: number | number[]; heads: number; d: number }[] = [
    { name: 'three sequences of different lengths, one head', lengths: [5, 1, 7], cached: 0, heads: 1, d: 6 },
    { name: 'an empty sequence among others, two heads', lengths: [4, 0, 3], cached: 0, heads: 2, d: 8 },
    { name: 'one sequence after 4 cached tokens (KV cache), two heads', lengths: [3], cached: 4, heads: 2, d: 4 },
    { name: 'per-sequence cached counts (last tokens only)', lengths: [1, 0, 1, 2], cached: [4, 2, 0, 3], heads: 1, d: 6 },
  ];
  for (const c of cases) {
    it(`equal values and gradients: ${c.name}`, async () => {
      const fused = await attentionOn('wasm', c.lengths, c.cached, c.heads, c.d);
      const reference = await attentionOn('cpu', c.lengths, c.cached, c.heads, c.d);
      expect(fused.map((a) => a.length)).toEqual(reference.map((a) => a.length));
      fused.forEach((values, t) => values.forEach((x, i) => expect(x).toBeCloseTo(reference[t]![i]!, 4)));
      // Not all zero: the comparison means something.
      expect(Math.max(...fused[1]!.map(Math.abs))).toBeGreaterThan(1e-3);
      await tf.setBackend('wasm');
    });
  }

  it('the first token of a sequence attends only to itself: its output is its own value row', async () => {
    await tf.setBackend('wasm');
    const [out] = await attentionOn('wasm', [3, 2], 0, 1, 4);
    const v = seq(5 * 4, 1.13);
    for (let j = 0; j < 4; j++) {
      expect(out![j]).toBeCloseTo(v[j]!, 5); // sequence 0, token 0
      expect(out![3 * 4 + j]).toBeCloseTo(v[3 * 4 + j]!, 5); // sequence 1, token 0
    }
  });

  it('refuses inputs that do not match the lengths, with a clear error', async () => {
    await tf.setBackend('wasm');
    const q = tf.ones([4, 2]);
    expect(() =>
      tf.engine().runKernel(CAUSAL_ATTENTION_KERNEL, { q, k: q, v: q }, { lengths: [2, 1], cached: 0, heads: 1 }),
    ).toThrow(/bad inputs/);
    q.dispose();
  });

  it('packRows / unpackRows: real slots in order, padded slots back as zeros', async () => {
    await tf.setBackend('cpu');
    const tokens: TokenBatch = {
      batch: 2,
      length: 3,
      items: new Int32Array(6),
      outcomes: new Int32Array(6),
      positions: new Int32Array(6),
      valid: Float32Array.from([0, 1, 1, 1, 1, 1]),
      time: new Float32Array(6 * TIME_FEATURES),
    };
    const packed = packRows(tokens);
    expect(Array.from(packed.slots)).toEqual([1, 2, 3, 4, 5]);
    expect(Array.from(packed.lengths)).toEqual([2, 3]);
    const x = tf.tensor2d([1, 2, 3, 4, 5], [5, 1]);
    expect(Array.from(unpackRows(x, packed, 6).dataSync())).toEqual([0, 1, 2, 3, 4, 5]);
    await tf.setBackend('wasm');
  });
});
