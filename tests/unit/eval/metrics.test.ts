/** Every metric against hand-computed values. */
import { describe, expect, it } from 'vitest';
import {
  coverageAt,
  hitAt,
  ndcgAt,
  RankMetrics,
  rankOf,
  RecallMetrics,
  recallAt,
  reciprocalRank,
  topK,
} from '../../../src/eval/metrics.ts';

const scores = Float32Array.from([0.1, 0.5, 0.3, 0.5, 0.2]);

describe('rankOf (pessimistic ties, optional mask)', () => {
  it('counts other items scoring >= the target', () => {
    expect(rankOf(scores, 2)).toBe(2); // items 1 and 3 score higher
    expect(rankOf(scores, 1)).toBe(1); // item 3 ties with item 1 and counts against it
    expect(rankOf(scores, 0)).toBe(4);
    expect(rankOf(new Float32Array(5).fill(1), 3)).toBe(4); // all equal -> last
  });

  it('masked items are no longer candidates', () => {
    expect(rankOf(scores, 2, 5, 0, [1])).toBe(1);
    expect(rankOf(scores, 2, 5, 0, [1, 3])).toBe(0);
    expect(rankOf(scores, 2, 5, 0, [0, 4])).toBe(2); // masking lower-scored items changes nothing
  });

  it('reads one row of a batch and treats a NaN target as worst', () => {
    const batch = Float32Array.from([9, 9, 9, 0.1, 0.5, 0.3, 0.5, 0.2]);
    expect(rankOf(batch, 2, 5, 3)).toBe(2);
    const nan = Float32Array.from([0.1, NaN, 0.3]);
    expect(rankOf(nan, 1)).toBe(2);
    expect(rankOf(nan, 1, 3, 0, [0])).toBe(1);
  });
});

describe('HR, NDCG, MRR', () => {
  it('per case', () => {
    expect(hitAt(2, 3)).toBe(1);
    expect(hitAt(3, 3)).toBe(0);
    expect(ndcgAt(0, 10)).toBe(1);
    expect(ndcgAt(2, 3)).toBeCloseTo(0.5, 12); // 1/log2(4)
    expect(ndcgAt(1, 3)).toBeCloseTo(1 / Math.log2(3), 12); // 0.6309...
    expect(ndcgAt(3, 3)).toBe(0);
    expect(reciprocalRank(2)).toBeCloseTo(1 / 3, 12);
  });

  it('averaged over cases', () => {
    const m = new RankMetrics([1, 10]);
    for (const rank of [0, 2, 20]) m.add(rank);
    const r = m.result();
    expect(r['HR@1']).toBeCloseTo(1 / 3, 12);
    expect(r['HR@10']).toBeCloseTo(2 / 3, 12);
    expect(r['NDCG@1']).toBeCloseTo(1 / 3, 12);
    expect(r['NDCG@10']).toBeCloseTo((1 + 0.5 + 0) / 3, 12);
    expect(r.MRR).toBeCloseTo((1 + 1 / 3 + 1 / 21) / 3, 12);
  });
});

describe('topK', () => {
  it('best first, ties by lower index, masked items and NaN skipped', () => {
    expect(Array.from(topK(scores, 3))).toEqual([1, 3, 2]);
    const mask = Int32Array.from([0, 0, 0, 7, 0]);
    expect(Array.from(topK(scores, 3, 5, 0, mask, 7))).toEqual([1, 2, 4]);
    expect(Array.from(topK(scores, 3, 5, 0, mask, 8))).toEqual([1, 3, 2]); // other stamp: unmasked
    expect(Array.from(topK(Float32Array.from([NaN, 1, 2]), 5))).toEqual([2, 1]);
    expect(Array.from(topK(Float32Array.from([3, 1, 4, 1, 5, 9, 2, 6]), 4))).toEqual([5, 7, 4, 2]);
  });
});

describe('recall over a window, per outcome, coverage', () => {
  it('recall@k = |top-k ∩ T| / |T|', () => {
    expect(recallAt([1, 3, 2], 3, new Set([2, 4]))).toBe(0.5);
    expect(recallAt([1, 3, 2], 1, new Set([2, 4]))).toBe(0);
    expect(recallAt([1, 3, 2], 3, new Set([1, 2, 3]))).toBe(1);
  });

  it('RecallMetrics: overall and per target outcome', () => {
    const m = new RecallMetrics([2]);
    m.add([10, 11, 12], [10, 12], [0, 1]); // recall@2 = 1/2; outcome 0: {10} -> 1; outcome 1: {12} -> 0
    m.add([20, 21], [21, 22, 21], [1, 1, 1]); // targets {21,22}: 1/2; outcome 1: 1/2
    expect(m.result()['Recall@2']).toBeCloseTo(0.5, 12);
    const per = m.perOutcomeResult(['click', 'buy']);
    expect(per).toEqual({ click: { cases: 1, 'Recall@2': 1 }, buy: { cases: 2, 'Recall@2': 0.25 } });
  });

  it('coverage@k = distinct recommended items / catalog size', () => {
    expect(
      coverageAt(
        [
          [1, 2],
          [2, 3],
        ],
        2,
        5,
      ),
    ).toBeCloseTo(3 / 5, 12);
    expect(
      coverageAt(
        [
          [1, 2],
          [2, 3],
        ],
        1,
        5,
      ),
    ).toBeCloseTo(2 / 5, 12);
  });
});
