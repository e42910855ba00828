import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { setupTrainingBackend } from '../../../src/train/backend.ts';
import { fullSoftmaxWindowLoss, logSumExpRows, sampledSoftmaxWindowLoss } from '../../../src/train/losses.ts';

describe('retrieval losses (toy cases with hand-computed answers)', () => {
  beforeAll(async () => {
    await setupTrainingBackend('wasm');
  });

  it('logSumExpRows is stable for large values', () => {
    const out = logSumExpRows(
      tf.tensor2d([
        [1000, 1000],
        [0, Math.log(3)],
      ]),
    ).arraySync();
    expect(out[0]).toBeCloseTo(1000 + Math.log(2), 4);
    expect(out[1]).toBeCloseTo(Math.log(4), 5);
  });

  it('one positive: equals softmax cross-entropy, log(1 + e^-1) for q=e1, pos=e1, neg=e2, T=1', () => {
    const loss = sampledSoftmaxWindowLoss({
      queries: tf.tensor2d([[1, 0]]),
      positives: tf.tensor3d([[[1, 0]]]),
      positiveMask: tf.tensor2d([[1]]),
      negatives: tf.tensor2d([[0, 1]]),
      positiveLogQ: null,
      negativeLogQ: null,
      temperature: 1,
    });
    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.exp(-1)), 5);
  });

  it('window of positives: minus log of the softmax mass on ANY window item; empty slots ignored; temperature scales', () => {
    const T = 0.5;
    const loss = sampledSoftmaxWindowLoss({
      queries: tf.tensor2d([[1, 0]]),
      positives: tf.tensor3d([
        [
          [1, 0],
          [0.6, 0.8],
          [0, 0],
        ],
      ]),
      positiveMask: tf.tensor2d([[1, 1, 0]]),
      negatives: tf.tensor2d([
        [0, 1],
        [-1, 0],
      ]),
      positiveLogQ: null,
      negativeLogQ: null,
      temperature: T,
    });
    const pos = Math.exp(1 / T) + Math.exp(0.6 / T);
    const expected = Math.log(pos + Math.exp(0) + Math.exp(-1 / T)) - Math.log(pos);
    expect(loss.dataSync()[0]).toBeCloseTo(expected, 5);
  });

  it('logQ correction subtracts log expected counts from every logit', () => {
    const loss = sampledSoftmaxWindowLoss({
      queries: tf.tensor2d([[1, 0]]),
      positives: tf.tensor3d([[[1, 0]]]),
      positiveMask: tf.tensor2d([[1]]),
      negatives: tf.tensor2d([[0, 1]]),
      positiveLogQ: tf.tensor2d([[Math.log(2)]]),
      negativeLogQ: tf.tensor1d([Math.log(0.5)]),
      temperature: 1,
    });
    const p = 1 - Math.log(2);
    const n = 0 - Math.log(0.5);
    expect(loss.dataSync()[0]).toBeCloseTo(Math.log(Math.exp(p) + Math.exp(n)) - p, 5);
  });

  it('full softmax over a 3-item table, averaged over two queries', () => {
    const table = tf.tensor2d([
      [1, 0],
      [0, 1],
      [-1, 0],
    ]);
    const loss = fullSoftmaxWindowLoss({
      queries: tf.tensor2d([
        [1, 0],
        [0, 1],
      ]),
      table,
      positives: tf.tensor3d([[[1, 0]], [[1, 0]]]),
      positiveMask: tf.tensor2d([[1], [1]]),
      temperature: 1,
    });
    const first = Math.log(Math.E + 1 + Math.exp(-1)) - 1; // query e1, target item 0
    const second = Math.log(1 + Math.E + 1) - 0; // query e2, target item 0
    expect(loss.dataSync()[0]).toBeCloseTo((first + second) / 2, 5);
  });
});
