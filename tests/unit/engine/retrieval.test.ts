import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors/errors.ts';
import { MASKED_SCORE, apportion, buildMask, mergeCandidates, planQueries, retrieveTopK } from '../../../src/engine/retrieval.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('budgets', () => {
  it('apportions by largest remainder and keeps the total', () => {
    expect(apportion(10, [0.7, 0.3])).toEqual([7, 3]);
    expect(apportion(5, [0.7, 0.3])).toEqual([4, 1]); // 3.5 -> 3 (+1 remainder .5), 1.5 -> 1
    expect(apportion(3, [1, 1])).toEqual([2, 1]); // tie goes to the earlier
    expect(apportion(4, [0, 0])).toEqual([0, 0]);
  });

  it('plans one query per outcome and horizon with its share of k', () => {
    const plan = planQueries(['dislike', 'watch', 'love'], ['next', 'soon'], 10, { love: 0.7, watch: 0.3 }, 'all');
    expect(plan).toEqual([
      { outcome: 1, horizon: 0, quota: 2 },
      { outcome: 1, horizon: 1, quota: 1 },
      { outcome: 2, horizon: 0, quota: 4 },
      { outcome: 2, horizon: 1, quota: 3 },
    ]);
    expect(planQueries(['dislike', 'watch', 'love'], ['next', 'soon'], 4, undefined, 'soon')).toEqual([
      { outcome: 2, horizon: 1, quota: 4 },
    ]);
  });

  it('rejects unknown outcomes and horizons with InvalidArgumentError', () => {
    expect(() => planQueries(['a'], ['next'], 3, { b: 1 }, undefined)).toThrow(InvalidArgumentError);
    expect(() => planQueries(['a'], ['next'], 3, undefined, 'later')).toThrow(InvalidArgumentError);
    expect(() => planQueries(['a'], ['next'], 0, undefined, undefined)).toThrow(InvalidArgumentError);
  });
});

describe('mergeCandidates', () => {
  const plan = [
    { outcome: 0, horizon: 0, quota: 2 },
    { outcome: 1, horizon: 0, quota: 2 },
  ];
  it('interleaves by rank, merges duplicates and fills each quota', () => {
    // query 0 ranks 5,7,9,1 ; query 1 ranks 7,5,3,2
    const indices = [5, 7, 9, 1, 7, 5, 3, 2];
    const scores = [9, 8, 7, 6, 4, 3, 2, 1];
    const merged = mergeCandidates(plan, indices, scores, 4, 4);
    expect(merged.map((m) => [m.index, m.query])).toEqual([
      [5, 0],
      [7, 1],
      [9, 0], // 7 was taken by query 1: query 0 merges it and moves on
      [3, 1], // 5 was taken by query 0
    ]);
    expect(merged[0]!.sources).toEqual([
      { query: 0, score: 9 },
      { query: 1, score: 3 },
    ]);
    expect(merged[1]!.sources).toEqual([
      { query: 1, score: 4 },
      { query: 0, score: 8 },
    ]);
  });

  it('hands quota of a query that runs out of valid candidates to the others', () => {
    const indices = [5, 6, 7, 8, 1, 2, 3, 4];
    const scores = [9, MASKED_SCORE, MASKED_SCORE, MASKED_SCORE, 4, 3, 2, 1];
    expect(mergeCandidates(plan, indices, scores, 4, 4).map((m) => m.index)).toEqual([5, 1, 2, 3]);
  });
});

describe('scoring', () => {
  it('scores queries @ itemsᵀ with the mask and returns per-query top-k without leaking tensors', async () => {
    const items = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 1],
      [-1, 0],
    ]); // 4 items, dim 2
    const queries = tf.tensor2d([
      [1, 0.5],
      [0, 2],
    ]);
    const mask = tf.tensor1d(buildMask(4, [2], undefined, undefined)); // item 2 seen
    const before = tf.memory().numTensors;
    const { indices, scores } = await retrieveTopK(queries, items, mask, 2);
    expect(tf.memory().numTensors).toBe(before);
    // query 0 scores: [1, .5, 1.5(masked), -1] ; query 1: [0, 2, 2(masked), 0]
    expect(Array.from(indices)).toEqual([0, 1, 1, 0]);
    expect(Array.from(scores)).toEqual([1, 0.5, 2, 0]);
    tf.dispose([items, queries, mask]);
  });

  it('builds allow/deny/seen masks', () => {
    const m = Math.fround(MASKED_SCORE);
    expect(Array.from(buildMask(4, [0], [0, 1, 2], [2]))).toEqual([m, 0, m, m]);
  });
});
