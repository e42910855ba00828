/** Coherence@k on a hand-made catalog: expected shares computed by hand, skips counted. */
import { describe, expect, it } from 'vitest';
import type { EvalCase } from '../../../src/data/splits.ts';
import type { ItemCatalog } from '../../../src/data/types.ts';
import { CoherenceMetric, coherenceAttribute } from '../../../src/eval/coherence.ts';
import { evaluate, type EvalRecommender, type UserHistory } from '../../../src/eval/evaluate.ts';

// Outcomes: 0 dislike, 1 watch, 2 love.
const LOVE = 2;
// Item content. Item 1's `category:C` must not match `genre:C`; item 4 has no genre.
const features = [['genre:A'], ['category:C', 'word:c'], ['genre:A', 'genre:C'], ['genre:C'], [], ['genre:D']];
// Everyone gets the same scores: ranking 0 > 1 > 2 > 3 > 4 > 5.
const weights = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];

class FixedScores implements EvalRecommender {
  readonly name = 'fixed';
  async scoreBatch(histories: UserHistory[], out: Float32Array): Promise<void> {
    histories.forEach((_, b) => out.set(weights, b * weights.length));
  }
}

function evalCase(user: number, history: [item: number, outcome: number][], target: number): EvalCase {
  return {
    user,
    history: {
      items: Int32Array.from(history.map(([item]) => item)),
      outcomes: Uint8Array.from(history.map(([, outcome]) => outcome)),
      times: new Float64Array(history.length),
    },
    targets: { items: Int32Array.of(target), outcomes: Uint8Array.of(0), times: new Float64Array(1) },
  };
}

const cases = [
  // Loves 3 {C}; dislikes 2 {A,C} (must not add A). Masked top 3 = 0,1,4 -> none shares C: 0.
  // Unmasked top 3 = 0,1,2 -> only 2 (genre:C): 1/3.
  evalCase(
    0,
    [
      [3, LOVE],
      [2, 0],
    ],
    5,
  ),
  // Loves 2 {A,C}; watched 5. Masked top 3 = 0,1,3 -> 0 (A) and 3 (C): 2/3. Unmasked 0,1,2 -> 0, 2: 2/3.
  evalCase(
    1,
    [
      [2, LOVE],
      [5, 1],
    ],
    4,
  ),
  // No loved item: skipped.
  evalCase(2, [[1, 1]], 0),
  // Loves only item 4, which has no genre: skipped.
  evalCase(3, [[4, LOVE]], 0),
];

describe('Coherence@k', () => {
  it('averages the hand-computed shares over counted users, masked and unmasked, and counts skips', async () => {
    const result = await evaluate(new FixedScores(), cases, {
      itemCount: weights.length,
      ks: [2],
      coherence: { features, attribute: 'genre', loveOutcome: LOVE, k: 3 },
    });
    expect(result.masked['Coherence@3']).toBeCloseTo((0 + 2 / 3) / 2, 12);
    expect(result.unmasked['Coherence@3']).toBeCloseTo((1 / 3 + 2 / 3) / 2, 12);
    // Each counted user loves at most two genres, so comparing with the top three changes nothing here.
    expect(result.masked['Coherence3@3']).toBeCloseTo((0 + 2 / 3) / 2, 12);
    expect(result.unmasked['Coherence3@3']).toBeCloseTo((1 / 3 + 2 / 3) / 2, 12);
    expect(result.coherence).toEqual({ k: 3, attribute: 'genre', users: 2, skippedNoLoved: 1, skippedNoAttribute: 1 });
  });

  it('per case: the share of the first k listed items, k capped by the list length', () => {
    const metric = new CoherenceMetric({ features, attribute: 'genre', loveOutcome: LOVE, k: 4 });
    expect(metric.add(cases[1]!.history, Int32Array.of(5, 4, 3, 0, 2))?.share).toBeCloseTo(2 / 4, 12); // 3 and 0 share
    expect(metric.add(cases[1]!.history, Int32Array.of(3, 5))?.share).toBeCloseTo(1 / 2, 12);
    expect(metric.add(cases[2]!.history, Int32Array.of(0, 1, 2))).toBeUndefined();
    expect(metric.value()).toBeCloseTo(0.5, 12);
  });

  it('Coherence3 compares with the three most loved genres only, ties to the genre first seen in the catalog', () => {
    // Genre ids by first appearance: A B C D E F.
    const catalog = [
      ['genre:A', 'genre:B'],
      ['genre:A', 'genre:C'],
      ['genre:A', 'genre:D'],
      ['genre:B', 'genre:E'],
      ['genre:E'],
      ['genre:F'],
      ['genre:C'],
    ];
    const metric = new CoherenceMetric({ features: catalog, attribute: 'genre', loveOutcome: LOVE, k: 4 });
    // Loves 0,1,2,3,4,6: A 3, B 2, C 2, E 2, D 1 -> top three A, B, C (E loses the tie to the earlier C).
    const history = evalCase(
      0,
      [
        [0, LOVE],
        [1, LOVE],
        [2, LOVE],
        [3, LOVE],
        [4, LOVE],
        [6, LOVE],
        [5, 0],
      ],
      0,
    ).history;
    // List 5 (F), 4 (E), 6 (C), 2 (A,D): any loved genre 3/4 (F is only disliked); top three 2/4.
    const shares = metric.add(history, Int32Array.of(5, 4, 6, 2, 0));
    expect(shares?.share).toBeCloseTo(3 / 4, 12);
    expect(shares?.topShare).toBeCloseTo(2 / 4, 12);
    expect(metric.valueTop()).toBeCloseTo(2 / 4, 12);
  });

  it('is absent without the option and when only rank metrics are asked for', async () => {
    const plain = await evaluate(new FixedScores(), cases, { itemCount: weights.length, ks: [2] });
    expect(plain.masked).not.toHaveProperty('Coherence@20');
    expect(plain.coherence).toBeUndefined();
    const ranksOnly = await evaluate(new FixedScores(), cases, {
      itemCount: weights.length,
      ks: [2],
      lists: false,
      coherence: { features, attribute: 'genre', loveOutcome: LOVE },
    });
    expect(ranksOnly.coherence).toBeUndefined();
  });

  it('picks genre, else category, else nothing', () => {
    const catalog = (f: string[][]): ItemCatalog => ({ ids: f.map((_, i) => String(i)), features: f });
    expect(coherenceAttribute(catalog(features))).toBe('genre');
    expect(coherenceAttribute(catalog([['brand:X'], ['category:Nail Polish']]))).toBe('category');
    expect(coherenceAttribute(catalog([['word:star'], []]))).toBeUndefined();
  });
});
