/** Popularity and item-kNN baselines on a tiny hand-checkable case. */
import { describe, expect, it } from 'vitest';
import type { Dataset, UserSequence } from '../../../src/data/types.ts';
import { leaveOneOutSplit } from '../../../src/data/splits.ts';
import { CoocRecommender, parseCoocParams, tuneCooc } from '../../../src/eval/baselines/cooc.ts';
import { PopularRecommender } from '../../../src/eval/baselines/popular.ts';
import { evaluate, type FitContext } from '../../../src/eval/evaluate.ts';

function seq(user: number, items: number[]): UserSequence {
  return {
    user,
    items: Int32Array.from(items),
    outcomes: new Uint8Array(items.length),
    times: new Float64Array(items.length).fill(NaN),
  };
}
function dataset(itemCount: number, sequences: UserSequence[]): Dataset {
  return {
    name: 'tiny',
    userIds: sequences.map((s) => `u${s.user}`),
    catalog: { ids: Array.from({ length: itemCount }, (_, i) => `i${i}`), features: Array.from({ length: itemCount }, () => []) },
    outcomes: ['interact'],
    sequences,
    hasTimestamps: false,
    summary: {
      users: sequences.length,
      items: itemCount,
      events: 0,
      outcomeCounts: {},
      dropped: {},
      eventsWithTime: 0,
      files: [],
    },
  };
}
const history = (items: number[]) => ({
  user: 0,
  items: Int32Array.from(items),
  outcomes: new Uint8Array(items.length),
  times: new Float64Array(items.length),
});

// Training prefixes: u0 [0,1], u1 [0,1,2], u2 [2,3]  (items 0..4; item 4 never seen)
const train = [seq(0, [0, 1]), seq(1, [0, 1, 2]), seq(2, [2, 3])];
const context: FitContext = { dataset: dataset(5, train), train, validation: [] };

describe('PopularRecommender', () => {
  it('scores every item by its training count, same for every user', async () => {
    const model = new PopularRecommender();
    model.fit(context);
    const out = new Float32Array(10);
    await model.scoreBatch([history([0]), history([3])], out);
    expect(Array.from(out)).toEqual([2, 2, 2, 1, 0, 2, 2, 2, 1, 0]);
  });
});

describe('CoocRecommender', () => {
  // Whole-user co-occurrence: n0=n1=n2=2, n3=1; c01=2, c02=c12=c23=1
  // sim(0,1)=2/2=1, sim(0,2)=sim(1,2)=1/2, sim(2,3)=1/sqrt(2)
  const eps = (count: number) => 1e-6 * (count / 2); // popularity tie-breaker (max count 2)

  it('window 0: cosine over user incidence, last item only', async () => {
    const model = new CoocRecommender({ window: 0, lastN: 1 });
    model.fit(context);
    const out = new Float32Array(5);
    await model.scoreBatch([history([0])], out);
    expect(out[1]).toBeCloseTo(1 + eps(2), 6);
    expect(out[2]).toBeCloseTo(0.5 + eps(2), 6);
    expect(out[3]).toBeCloseTo(eps(1), 9);
    expect(out[4]).toBe(0);
    expect(out[0]).toBeCloseTo(eps(2), 9); // an item is not its own neighbour
  });

  it('recency weighting: newest item weight 1, the one before decay', async () => {
    const model = new CoocRecommender({ window: 0, lastN: 2, decay: 0.5 });
    model.fit(context);
    const out = new Float32Array(5);
    await model.scoreBatch([history([1, 0])], out); // newest = 0 (w 1), then 1 (w .5)
    expect(out[0]).toBeCloseTo(0.5 * 1 + eps(2), 6);
    expect(out[1]).toBeCloseTo(1 * 1 + eps(2), 6);
    expect(out[2]).toBeCloseTo(1 * 0.5 + 0.5 * 0.5 + eps(2), 6);
    expect(out[3]).toBeCloseTo(eps(1), 9);
  });

  it('forward window 1: only "i then j" transitions count', async () => {
    // pairs: u0 0->1, u1 0->1, 1->2, u2 2->3; occurrences n0=n1=n2=2, n3=1
    const model = new CoocRecommender({ window: 1, forward: true, lastN: 1 });
    model.fit(context);
    const out = new Float32Array(5);
    await model.scoreBatch([history([1])], out);
    expect(out[2]).toBeCloseTo(1 / 2 + eps(2), 6);
    expect(out[0]).toBeCloseTo(eps(2), 9); // 0 precedes 1, never follows it
    await model.scoreBatch([history([2])], out);
    expect(out[3]).toBeCloseTo(1 / Math.sqrt(2) + eps(1), 6);
  });

  it('keeps only the configured number of neighbours', async () => {
    const model = new CoocRecommender({ window: 0, lastN: 1, neighbors: 1 });
    model.fit(context);
    const out = new Float32Array(5);
    await model.scoreBatch([history([2])], out); // sim(2,3)=.707 beats sim(2,0)=sim(2,1)=.5
    expect(out[3]).toBeCloseTo(Math.SQRT1_2 + eps(1), 6);
    expect(out[0]).toBeCloseTo(eps(2), 9);
  });

  it('parses parameters and rejects unknown ones', () => {
    expect(parseCoocParams('window=5,forward=true,lastN=3')).toMatchObject({ window: 5, forward: true, lastN: 3, decay: 0.8 });
    expect(() => parseCoocParams('k=3')).toThrow(/not one of/);
  });
});

describe('baselines through the harness', () => {
  // u0: 0 1 2 | u1: 0 1 2 | u2: 0 1 3 -> test targets 2, 2, 3; validation targets 1, 1, 1
  const sequences = [seq(0, [0, 1, 2]), seq(1, [0, 1, 2]), seq(2, [0, 1, 3])];
  const d = dataset(5, sequences);
  const split = leaveOneOutSplit(sequences);
  const ctx: FitContext = { dataset: d, train: split.train, validation: split.validation };

  it('popular: train counts are 3,0,0,... so masked targets rank by pessimistic ties', async () => {
    const model = new PopularRecommender();
    model.fit(ctx); // train = [0],[0],[0] -> counts [3,0,0,0,0]
    const result = await evaluate(model, split.test, { itemCount: 5, ks: [1, 4] });
    // Masked (history 0,1 removed): candidates 2,3,4 all score 0 -> target ranks last (2) among 3 candidates.
    expect(result.masked['HR@1']).toBe(0);
    expect(result.masked.MRR).toBeCloseTo(1 / 3, 12);
    // Unmasked: item 0 scores 3 and the other four tie at 0 -> rank 4.
    expect(result.unmasked.MRR).toBeCloseTo(1 / 5, 12);
  });

  it('cooc: tuning on validation picks a setting and the test metrics follow by hand', async () => {
    const tuned = await tuneCooc(ctx, { window: [0], forward: [false], lastN: [1], decay: [1] }, split.validation);
    expect(tuned.rows).toHaveLength(1);
    const model = new CoocRecommender(tuned.best);
    model.fit(ctx); // train prefixes [0] each: no pairs, so scores are the popularity tie-breaker only
    const result = await evaluate(model, split.test, { itemCount: 5, ks: [1] });
    expect(result.masked.MRR).toBeCloseTo(1 / 3, 12);
  });
});
