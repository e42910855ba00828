/**
 * Issue 13: the trainer's learning-rate schedule, decoupled weight decay, dropout at inference, the
 * `all` training windows, and a resumed run keeping the schedule's position.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaveOneOutSplit } from '../../../src/data/splits.ts';
import type { UserSequence } from '../../../src/data/types.ts';
import { Decoder, defaultDecoderConfig, initDecoderParams } from '../../../src/model/decoder.ts';
import { setupTrainingBackend } from '../../../src/train/backend.ts';
import { buildBatch, type TrainingSequence } from '../../../src/train/batches.ts';
import {
  applyWeightDecay,
  isDecayExempt,
  learningRateAt,
  trainingSamples,
  type LrSchedule,
} from '../../../src/train/schedule.ts';
import { DEFAULT_TRAIN_OPTIONS, DecoderTrainer, type TrainOptions } from '../../../src/train/trainer.ts';
import { nodeTrainerHost } from '../../../src/train/node-host.ts';

const I = 20;
const sequences: UserSequence[] = Array.from({ length: 32 }, (_, u) => {
  const n = 8;
  const start = (u * 3) % I;
  return {
    user: u,
    items: Int32Array.from({ length: n }, (_, i) => (start + i) % I),
    outcomes: new Uint8Array(n),
    times: new Float64Array(n).fill(Number.NaN),
  };
});
const split = leaveOneOutSplit(sequences);
const config = defaultDecoderConfig({
  itemCount: I,
  outcomeCount: 1,
  dim: 8,
  maxLen: 8,
  timeFeatures: false,
  outcomeConditioning: false,
});
const options = (over: Partial<TrainOptions>): TrainOptions => ({
  ...DEFAULT_TRAIN_OPTIONS,
  host: nodeTrainerHost,
  batchSize: 8, // 32 users -> 4 steps per epoch
  negatives: 8,
  learningRate: 0.01,
  epochs: 1,
  patience: 100,
  log: () => {},
  ...over,
});
let validations = 0;
const validate = async () => ({ 'NDCG@10': ++validations });

let dir: string;
beforeAll(async () => {
  await setupTrainingBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'pocketrec-schedule-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('learning-rate schedule', () => {
  const base: LrSchedule = { peak: 0.004, kind: 'cosine', warmupSteps: 10, totalSteps: 110, minFactor: 0 };
  it('warms up linearly, then follows the cosine down to the floor and stays there', () => {
    expect(learningRateAt(base, 0)).toBeCloseTo(0.0004, 12);
    expect(learningRateAt(base, 4)).toBeCloseTo(0.002, 12);
    expect(learningRateAt(base, 9)).toBeCloseTo(0.004, 12);
    expect(learningRateAt(base, 10)).toBeCloseTo(0.004, 12);
    expect(learningRateAt(base, 60)).toBeCloseTo(0.002, 12); // half-way through the decay
    expect(learningRateAt(base, 35)).toBeCloseTo(0.002 * (1 + Math.cos(Math.PI / 4)), 12);
    expect(learningRateAt(base, 110)).toBeCloseTo(0, 12);
    expect(learningRateAt(base, 500)).toBeCloseTo(0, 12);
    expect(learningRateAt({ ...base, minFactor: 0.1 }, 500)).toBeCloseTo(0.0004, 12);
  });
  it('linear decays in a straight line; constant stays at the peak after warm-up', () => {
    const linear = { ...base, kind: 'linear' as const, warmupSteps: 0, totalSteps: 100 };
    expect(learningRateAt(linear, 0)).toBeCloseTo(0.004, 12);
    expect(learningRateAt(linear, 75)).toBeCloseTo(0.001, 12);
    expect(learningRateAt(linear, 100)).toBeCloseTo(0, 12);
    const constant = { ...base, kind: 'constant' as const };
    expect(learningRateAt(constant, 2)).toBeCloseTo(0.0012, 12);
    expect(learningRateAt(constant, 10_000)).toBe(0.004);
  });
});

describe('decoupled weight decay', () => {
  it('shrinks weights by (1 - lr * decay) with no gradient, and leaves biases and LayerNorm alone', () => {
    const vars = new Map<string, tf.Variable>([
      [
        'blocks.0.ffn.in.kernel',
        tf.variable(
          tf.tensor2d([
            [1, -2],
            [3, 4],
          ]),
        ),
      ],
      ['blocks.0.ffn.in.bias', tf.variable(tf.tensor1d([1, 1]))],
      ['blocks.0.ln1.gamma', tf.variable(tf.tensor1d([2, 2]))],
      ['final_ln.beta', tf.variable(tf.tensor1d([0.5, 0.5]))],
      ['item.id_embedding', tf.variable(tf.tensor2d([[10, 0]]))],
    ]);
    applyWeightDecay(vars, 0.01, 10); // factor 0.9
    const kernel = vars.get('blocks.0.ffn.in.kernel')!.dataSync();
    [0.9, -1.8, 2.7, 3.6].forEach((x, i) => expect(kernel[i]).toBeCloseTo(x, 6));
    expect(vars.get('item.id_embedding')!.dataSync()[0]).toBeCloseTo(9, 5);
    expect(Array.from(vars.get('blocks.0.ffn.in.bias')!.dataSync())).toEqual([1, 1]);
    expect(Array.from(vars.get('blocks.0.ln1.gamma')!.dataSync())).toEqual([2, 2]);
    expect(Array.from(vars.get('final_ln.beta')!.dataSync())).toEqual([0.5, 0.5]);
    expect(isDecayExempt('prefixmem.memory')).toBe(false);
    for (const v of vars.values()) v.dispose();
  });

  it('in the trainer: one step with decay = the same step without, times (1 - lr * decay), LayerNorm untouched', async () => {
    const plain = new DecoderTrainer(config, options({}));
    const decayed = new DecoderTrainer(config, options({ weightDecay: 5 }));
    const batch = buildBatch(split.train.slice(0, 8), config);
    plain.trainStep(batch);
    decayed.trainStep(batch);
    const a = plain.snapshot();
    const b = decayed.snapshot();
    plain.dispose();
    decayed.dispose();
    const factor = 1 - 0.01 * 5;
    const kernel = 'blocks.0.ffn.in.kernel';
    const ka = a.get(kernel)!;
    const kb = b.get(kernel)!;
    for (let i = 0; i < ka.length; i++) expect(kb[i]!).toBeCloseTo(ka[i]! * factor, 6);
    expect(Array.from(b.get('blocks.0.ln1.gamma')!)).toEqual(Array.from(a.get('blocks.0.ln1.gamma')!));
    expect(Array.from(b.get('blocks.0.ffn.in.bias')!)).toEqual(Array.from(a.get('blocks.0.ffn.in.bias')!));
  });

  it('the trainer uses the scheduled rate: warm-up step 0 equals a constant step at peak / warmupSteps', () => {
    const warm = new DecoderTrainer(config, options({ lrSchedule: 'cosine', warmupSteps: 4 }));
    const quarter = new DecoderTrainer(config, options({ learningRate: 0.0025 }));
    const full = new DecoderTrainer(config, options({}));
    const batch = buildBatch(split.train.slice(0, 8), config);
    for (const t of [warm, quarter, full]) t.trainStep(batch);
    const [w, q, f] = [warm, quarter, full].map((t) => t.snapshot());
    expect(warm.stepsTaken).toBe(1);
    for (const t of [warm, quarter, full]) t.dispose();
    const name = 'blocks.0.attn.qkv.kernel';
    expect(Array.from(w!.get(name)!)).toEqual(Array.from(q!.get(name)!));
    expect(Array.from(w!.get(name)!)).not.toEqual(Array.from(f!.get(name)!));
  });
});

describe('dropout', () => {
  it('is active in training and inactive at inference (two inference passes are identical)', () => {
    const c = { ...config, dropout: 0.5 };
    const params = initDecoderParams(c, 7);
    const decoder = new Decoder(c, new Map<string, tf.Tensor>(params));
    const { tokens } = buildBatch(split.train.slice(0, 4), c);
    const [i1, i2, t1] = [decoder.forward(tokens, false), decoder.forward(tokens, false), decoder.forward(tokens, true)];
    expect(Array.from(i1.dataSync())).toEqual(Array.from(i2.dataSync()));
    expect(Array.from(t1.dataSync())).not.toEqual(Array.from(i1.dataSync()));
    tf.dispose([i1, i2, t1]);
    for (const v of params.values()) v.dispose();
  });
});

describe('training windows', () => {
  const long: TrainingSequence = {
    items: Int32Array.from({ length: 250 }, (_, i) => i % I),
    outcomes: new Uint8Array(250),
    times: new Float64Array(250).fill(Number.NaN),
  };
  const c = { ...config, maxLen: 100 };
  it('`last` keeps one sample per user; `all` makes every event but the last an input exactly once', () => {
    expect(trainingSamples([long, split.train[0]!], 100, 'last')).toHaveLength(2);
    const all = trainingSamples([long], 100, 'all');
    expect(all.map((s) => s.items.length)).toEqual([250, 150, 50]);
    expect(all.reduce((n, s) => n + buildBatch([s], c).events, 0)).toBe(249);
    expect(trainingSamples([{ ...long, items: long.items.subarray(0, 1) }], 100, 'all')).toHaveLength(0);
  });
  it('`all` gives the trainer more steps per epoch', async () => {
    const small = { ...config, maxLen: 3 };
    const t = new DecoderTrainer(small, options({ trainWindows: 'all' }));
    await t.fit(split.train, validate);
    // 32 users x 7 training events: prefixes of length 7 and 4 (inputs 3 + 3) and 1 (none) -> 64 samples, 8 steps.
    expect(t.stepsTaken).toBe(8);
    t.dispose();
  });
});

describe('checkpoints keep the schedule position', () => {
  it('a cosine run stopped after step 1 and resumed ends with the weights of an uninterrupted run', async () => {
    const sched = { epochs: 2, lrSchedule: 'cosine' as const, warmupSteps: 2, weightDecay: 0.5 };
    const straight = new DecoderTrainer(config, options(sched));
    await straight.fit(split.train, validate);
    const expected = straight.snapshot();
    expect(straight.stepsTaken).toBe(8);
    straight.dispose();

    const ckpt = join(dir, 'cosine');
    const first = new DecoderTrainer(config, options({ ...sched, checkpointDir: ckpt, maxSeconds: 1e-9 }));
    await first.fit(split.train, validate);
    first.dispose();
    const header = JSON.parse(readFileSync(join(ckpt, 'checkpoint.json'), 'utf8')) as { optimizerStep: number };
    expect(header.optimizerStep).toBe(1);

    const second = new DecoderTrainer(config, options({ ...sched, checkpointDir: ckpt, resume: true }));
    await second.fit(split.train, validate);
    expect(second.stepsTaken).toBe(8);
    const actual = second.snapshot();
    second.dispose();
    for (const [name, values] of expected) expect(Array.from(actual.get(name)!), name).toEqual(Array.from(values));
  });
});
