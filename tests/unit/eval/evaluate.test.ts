/** The evaluation loop with a fixed-score recommender: masked vs unmasked, batching, top-list TSV. */
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvalCase } from '../../../src/data/splits.ts';
import { evaluate, fitAndEvaluate, type EvalRecommender, type UserHistory } from '../../../src/eval/evaluate.ts';
import { topListFile } from '../../../src/eval/node-top-list.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-eval-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Scores item i as `weights[i]` for everyone; records the batches it saw. */
class FixedScores implements EvalRecommender {
  readonly name = 'fixed';
  batches: number[] = [];
  seenOutcomes: (number | undefined)[] = [];
  constructor(
    private readonly weights: number[],
    readonly batchSize = 2,
  ) {}
  async scoreBatch(histories: UserHistory[], out: Float32Array): Promise<void> {
    this.batches.push(histories.length);
    histories.forEach((h, b) => {
      this.seenOutcomes.push(h.outcome);
      out.set(this.weights, b * this.weights.length);
    });
  }
}

function evalCase(user: number, history: number[], targets: number[], outcomes = targets.map(() => 0)): EvalCase {
  return {
    user,
    history: {
      items: Int32Array.from(history),
      outcomes: new Uint8Array(history.length),
      times: new Float64Array(history.length),
    },
    targets: { items: Int32Array.from(targets), outcomes: Uint8Array.from(outcomes), times: new Float64Array(targets.length) },
  };
}

// Item scores: 0:.9 1:.8 2:.7 3:.6 4:.5
const weights = [0.9, 0.8, 0.7, 0.6, 0.5];
const cases = [
  evalCase(0, [0, 1], [2]), // unmasked rank 2, masked rank 0
  evalCase(1, [3], [4]), // unmasked rank 4, masked rank 3
  evalCase(2, [2, 2], [0], [1]), // rank 0 either way
];

describe('evaluate', () => {
  it('computes masked and unmasked metrics over the full catalog', async () => {
    const model = new FixedScores(weights);
    const result = await evaluate(model, cases, { itemCount: 5, ks: [1, 3], outcomeNames: ['click', 'buy'] });
    expect(result.cases).toBe(3);
    expect(model.batches).toEqual([2, 1]);
    expect(result.unmasked['HR@1']).toBeCloseTo(1 / 3, 12);
    expect(result.unmasked['HR@3']).toBeCloseTo(2 / 3, 12);
    expect(result.unmasked['NDCG@3']).toBeCloseTo((0.5 + 0 + 1) / 3, 12);
    expect(result.unmasked.MRR).toBeCloseTo((1 / 3 + 1 / 5 + 1) / 3, 12);
    expect(result.masked['HR@1']).toBeCloseTo(2 / 3, 12);
    expect(result.masked['NDCG@3']).toBeCloseTo((1 + 0 + 1) / 3, 12);
    expect(result.masked.MRR).toBeCloseTo((1 + 1 / 4 + 1) / 3, 12);
    // Recall of a one-item window equals HR.
    expect(result.masked['Recall@3']).toBeCloseTo(result.masked['HR@3']!, 12);
    // Coverage@1: unmasked everyone gets item 0; masked: 2, 0, 0 -> {0, 2}.
    expect(result.unmasked['Coverage@1']).toBeCloseTo(1 / 5, 12);
    expect(result.masked['Coverage@1']).toBeCloseTo(2 / 5, 12);
    expect(result.perOutcome.masked).toEqual({
      click: { cases: 2, 'Recall@1': 0.5, 'Recall@3': 0.5 },
      buy: { cases: 1, 'Recall@1': 1, 'Recall@3': 1 },
    });
  });

  it('lists: false gives the same rank metrics without the list-based ones', async () => {
    const full = await evaluate(new FixedScores(weights), cases, { itemCount: 5, ks: [1, 3] });
    const ranksOnly = await evaluate(new FixedScores(weights), cases, { itemCount: 5, ks: [1, 3], lists: false });
    expect(Object.keys(ranksOnly.masked)).toEqual(['HR@1', 'NDCG@1', 'HR@3', 'NDCG@3', 'MRR']);
    for (const key of Object.keys(ranksOnly.masked)) expect(ranksOnly.masked[key]).toBe(full.masked[key]);
  });

  it('passes the target outcome when conditioning is requested', async () => {
    const model = new FixedScores(weights);
    await evaluate(model, cases, { itemCount: 5, condition: 'target' });
    expect(model.seenOutcomes).toEqual([0, 0, 1]);
    const mismatched = new FixedScores(weights);
    await evaluate(mismatched, cases, { itemCount: 5, condition: 'mismatched', outcomeNames: ['click', 'buy', 'save'] });
    expect(mismatched.seenOutcomes).toEqual([1, 1, 2]);
    const fixed = new FixedScores(weights);
    await evaluate(fixed, cases, { itemCount: 5, condition: 2 });
    expect(fixed.seenOutcomes).toEqual([2, 2, 2]);
    const none = new FixedScores(weights);
    await evaluate(none, cases, { itemCount: 5 });
    expect(none.seenOutcomes).toEqual([undefined, undefined, undefined]);
  });

  it('fitAndEvaluate fits on the training part and scores the chosen part', async () => {
    const fitted: number[] = [];
    const model: EvalRecommender = {
      name: 'spy',
      fit: (context) => void fitted.push(context.train.length),
      scoreBatch: async (histories, out) => {
        for (let b = 0; b < histories.length; b++) out.set(weights, b * 5);
      },
    };
    const dataset = {
      name: 'd',
      userIds: ['a', 'b', 'c'],
      catalog: { ids: ['0', '1', '2', '3', '4'], features: [[], [], [], [], []] },
      outcomes: ['click', 'buy'],
      sequences: [],
      hasTimestamps: false,
      summary: { users: 3, items: 5, events: 0, outcomeCounts: {}, dropped: {}, eventsWithTime: 0, files: [] },
    };
    const result = await fitAndEvaluate(model, dataset, { train: [], validation: cases.slice(0, 1), test: cases }, { ks: [1] });
    expect(fitted).toEqual([0]);
    expect(result.cases).toBe(3);
    expect(result.masked['HR@1']).toBeCloseTo(2 / 3, 12);
    const validation = await fitAndEvaluate(
      model,
      dataset,
      { train: [], validation: cases.slice(0, 1), test: cases },
      { ks: [1], part: 'validation' },
    );
    expect(validation.cases).toBe(1);
  });

  it('writes the masked top list as user, rank, item, score with raw ids', async () => {
    const path = join(tmp, 'top.tsv');
    const progress: number[] = [];
    await evaluate(new FixedScores(weights), cases.slice(0, 2), {
      itemCount: 5,
      ks: [2],
      topList: { sink: topListFile(path), userIds: ['u0', 'u1'], itemIds: ['a', 'b', 'c', 'd', 'e'], size: 3 },
      onProgress: (p) => progress.push(p.done),
    });
    expect(progress).toEqual([2]);
    expect(existsSync(`${path}.partial`)).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe(
      'u0\t1\tc\t0.7\nu0\t2\td\t0.6\nu0\t3\te\t0.5\nu1\t1\ta\t0.9\nu1\t2\tb\t0.8\nu1\t3\tc\t0.7\n',
    );
  });

  it('leaves no partial file when the recommender fails', async () => {
    const path = join(tmp, 'failed.tsv');
    const broken: EvalRecommender = {
      name: 'broken',
      scoreBatch: async () => {
        throw new Error('boom');
      },
    };
    await expect(
      evaluate(broken, cases, { itemCount: 5, topList: { sink: topListFile(path), userIds: [], itemIds: [] } }),
    ).rejects.toThrow('boom');
    expect(existsSync(path) || existsSync(`${path}.partial`)).toBe(false);
  });
});
