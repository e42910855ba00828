import * as tf from '@tensorflow/tfjs-core';
// Gradient functions of the stock ops (tf.grad below differentiates plain ops).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { beforeAll, describe, expect, it } from 'vitest';
import { addRow, mm, mulRow } from '../../../src/model/ops.ts';
import { logSumExpRows } from '../../../src/train/losses.ts';
import { setupTrainingBackend } from '../../../src/train/backend.ts';

/** Gradients of sum(f(a, b) * w) wrt a and b, as flat arrays. */
function grads(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, a: tf.Tensor, b: tf.Tensor, w: tf.Tensor): number[][] {
  return tf.tidy(() =>
    tf
      .grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), w)))([a, b])
      .map((g) => Array.from(g.dataSync())),
  );
}

function close(a: number[][], b: number[][]): void {
  expect(a.length).toBe(b.length);
  a.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(b[i]![j]!, 4)));
}

describe('hand-written gradients equal TF.js reference gradients (wasm)', () => {
  beforeAll(async () => {
    await setupTrainingBackend('wasm');
  });
  const seq = (n: number, s: number) => Array.from({ length: n }, (_, i) => Math.sin(i * s + 1));

  it('mm (both transpose orders) vs tf.matMul', () => {
    const shapes: [m: number, k: number, n: number][] = [
      [5, 3, 4], // k < n: dB = (dy^T A)^T
      [6, 7, 2], // k > n: dB = A^T dy
      [6, 3, 3], // k = n
    ];
    for (const [m, k, n] of shapes) {
      const a = tf.tensor2d(seq(m * k, 0.7), [m, k]);
      const b = tf.tensor2d(seq(k * n, 1.3), [k, n]);
      const w = tf.tensor2d(seq(m * n, 0.4), [m, n]);
      close(
        grads((x, y) => mm(x as tf.Tensor2D, y as tf.Tensor2D), a, b, w),
        grads((x, y) => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D), a, b, w),
      );
    }
  });

  it('addRow / mulRow vs broadcast add / mul', () => {
    const x = tf.tensor2d(seq(12, 0.9), [4, 3]);
    const r = tf.tensor1d([0.5, -1, 2]);
    const w = tf.tensor2d(seq(12, 0.2), [4, 3]);
    close(
      grads((a, b) => addRow(a as tf.Tensor2D, b), x, r, w),
      grads((a, b) => tf.add(a, b), x, r, w),
    );
    close(
      grads((a, b) => mulRow(a as tf.Tensor2D, b), x, r, w),
      grads((a, b) => tf.mul(a, b), x, r, w),
    );
  });

  it('logSumExpRows value and gradient vs tf.logSumExp', () => {
    const x = tf.tensor2d(
      seq(15, 2.1).map((v) => v * 30),
      [3, 5],
    );
    const w = tf.tensor1d([1, -2, 0.5]);
    const ours = tf.tidy(() =>
      tf
        .grad((a: tf.Tensor) => tf.sum(tf.mul(logSumExpRows(a as tf.Tensor2D), w)))(x)
        .dataSync(),
    );
    const ref = tf.tidy(() =>
      tf
        .grad((a: tf.Tensor) => tf.sum(tf.mul(tf.logSumExp(a, 1), w)))(x)
        .dataSync(),
    );
    Array.from(ours).forEach((v, i) => expect(v).toBeCloseTo(ref[i]!, 5));
    const v1 = logSumExpRows(x).dataSync();
    const v2 = tf.logSumExp(x, 1).dataSync();
    Array.from(v1).forEach((v, i) => expect(v).toBeCloseTo(v2[i]!, 4));
  });
});
