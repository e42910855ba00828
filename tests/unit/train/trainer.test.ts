import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaveOneOutSplit } from '../../../src/data/splits.ts';
import type { UserSequence } from '../../../src/data/types.ts';
import { evaluate } from '../../../src/eval/evaluate.ts';
import { defaultDecoderConfig, MULTI_TOKEN_HORIZONS } from '../../../src/model/decoder.ts';
import { DecoderRecommender } from '../../../src/eval/decoder-recommender.ts';
import { setupTrainingBackend } from '../../../src/train/backend.ts';
import { buildBatch } from '../../../src/train/batches.ts';
import { DEFAULT_TRAIN_OPTIONS, DecoderTrainer, type TrainOptions } from '../../../src/train/trainer.ts';
import { nodeTrainerHost } from '../../../src/train/node-host.ts';

const I = 40;
/** Every user walks the cycle i -> i+1 (mod 40) from a different start: the next item is determined. */
const sequences: UserSequence[] = Array.from({ length: 64 }, (_, u) => {
  const n = 12;
  const start = (u * 7) % I;
  return {
    user: u,
    items: Int32Array.from({ length: n }, (_, i) => (start + i) % I),
    outcomes: Uint8Array.from({ length: n }, (_, i) => i % 2),
    times: new Float64Array(n).fill(Number.NaN),
  };
});
const split = leaveOneOutSplit(sequences);
const config = defaultDecoderConfig({
  itemCount: I,
  outcomeCount: 2,
  dim: 16,
  maxLen: 16,
  timeFeatures: false,
  outcomeConditioning: false,
});
const options = (over: Partial<TrainOptions>): TrainOptions => ({
  ...DEFAULT_TRAIN_OPTIONS,
  host: nodeTrainerHost,
  batchSize: 32,
  negatives: 16,
  learningRate: 0.01,
  epochs: 30,
  patience: 100,
  log: () => {},
  ...over,
});
const validate = async (d: DecoderTrainer['decoder']) =>
  (await evaluate(new DecoderRecommender('d', d, null, [0.5, 0.5]), split.validation, { itemCount: I, ks: [1, 10] })).masked;

describe('decoder trainer', () => {
  let dir: string;
  beforeAll(async () => {
    await setupTrainingBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'pocketrec-train-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds batches: left padding, positions from 0, next-item and window targets with outcome filtering', () => {
    const seq = {
      items: Int32Array.from([5, 6, 7, 8]),
      outcomes: Uint8Array.from([0, 1, 1, 0]),
      times: new Float64Array(4).fill(Number.NaN),
    };
    const b = buildBatch([seq], { ...config, maxLen: 5 });
    expect(b.tokens.length).toBe(3); // inputs are events 0..2 (the last event has no target)
    expect(Array.from(b.tokens.items)).toEqual([5, 6, 7]);
    expect(Array.from(b.tokens.positions)).toEqual([0, 1, 2]);
    expect(Array.from(b.positives)).toEqual([6, 7, 8]);
    const padded = buildBatch(
      [seq, { ...seq, items: seq.items.slice(2), outcomes: seq.outcomes.slice(2), times: seq.times.slice(2) }],
      config,
    );
    expect(Array.from(padded.tokens.valid)).toEqual([1, 1, 1, 0, 0, 1]);
    const mt = buildBatch([seq], { ...config, horizons: MULTI_TOKEN_HORIZONS, outcomeConditioning: true });
    // Event 0 (item 5): next = item 6 (outcome 1); soon = offsets 2..5 -> events 2, 3 with the outcome of event 2 (1) -> item 7 only.
    expect(mt.window).toBe(10);
    expect(Array.from(mt.queryOutcomes.slice(0, 2))).toEqual([1, 1]);
    expect(Array.from(mt.positives.slice(0, 1))).toEqual([6]);
    expect(Array.from(mt.positives.slice(10, 12))).toEqual([7, 0]);
    expect(Array.from(mt.positiveMask.slice(10, 12))).toEqual([1, 0]);
  });

  it('learns a deterministic next-item pattern (validation HR@1 rises well above chance)', async () => {
    const trainer = new DecoderTrainer(config, options({ epochs: 25 }));
    const result = await trainer.fit(split.train, validate);
    const hr1 = result.bestValidation!['HR@1']!;
    expect(hr1).toBeGreaterThan(0.5); // chance is 1/40
    expect(result.history[result.history.length - 1]!.loss).toBeLessThan(result.history[0]!.loss);
    trainer.dispose();
  });

  it('resumes from a checkpoint to exactly the weights of an uninterrupted run', async () => {
    const straight = new DecoderTrainer(config, options({ epochs: 4 }));
    await straight.fit(split.train, validate);
    const a = straight.snapshot();
    straight.dispose();

    const ckpt = join(dir, 'ckpt');
    const first = new DecoderTrainer(config, options({ epochs: 2, checkpointDir: ckpt }));
    await first.fit(split.train, validate);
    first.dispose();
    expect(existsSync(join(ckpt, 'checkpoint.json'))).toBe(true);
    expect(existsSync(join(ckpt, 'checkpoint.json.tmp'))).toBe(false);
    const resumed = new DecoderTrainer(config, options({ epochs: 4, checkpointDir: ckpt, resume: true }));
    const result = await resumed.fit(split.train, validate);
    expect(result.history.map((h) => h.epoch)).toEqual([1, 2, 3, 4]);
    const b = resumed.snapshot();
    resumed.dispose();
    for (const [name, values] of a) expect(Array.from(b.get(name)!)).toEqual(Array.from(values));
  });

  it("stops on request (the CLI's first Ctrl-C): stops after that step, validates, keeps the best model", async () => {
    let steps = 0;
    const trainer = new DecoderTrainer(config, options({ epochs: 10, validateEvery: 5, shouldStop: () => ++steps >= 1 }));
    const result = await trainer.fit(split.train, validate);
    expect(result.history.length).toBe(0); // stopped in epoch 1 after its first step: no epoch is done
    expect(result.stoppedAt).toEqual({ epoch: 1, step: 1, steps: 2 });
    expect(result.bestValidation).toBeDefined(); // validated although epoch 1 is not a validation epoch
    expect(result.bestEpoch).toBe(1);
    expect(result.bestStep).toBe(1);
    trainer.dispose();
  });
});
