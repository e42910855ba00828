/**
 * Issue 15 items 2 and 10: checkpoints are verified on --resume (size, sha256, finite values, readable
 * JSON, an existing folder), a non-finite loss stops training, export refuses non-finite tensors, and a
 * stop inside an epoch is resumed from its step so the result equals an uninterrupted run bit for bit.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../../src/cli/args.ts';
import { assertFiniteForExport } from '../../../src/cli/commands/train.ts';
import { leaveOneOutSplit } from '../../../src/data/splits.ts';
import type { UserSequence } from '../../../src/data/types.ts';
import { defaultDecoderConfig } from '../../../src/model/decoder.ts';
import { setupTrainingBackend } from '../../../src/train/backend.ts';
import {
  CheckpointError,
  DEFAULT_TRAIN_OPTIONS,
  DecoderTrainer,
  TrainingDivergedError,
  type TrainOptions,
} from '../../../src/train/trainer.ts';
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
/** Validation whose score only grows (across every run in this file): the last validated weights are the best. */
let validations = 0;
const validate = async () => ({ 'NDCG@10': ++validations });

let dir: string;
beforeAll(async () => {
  await setupTrainingBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'pocketrec-ckpt-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function trainOneEpoch(ckpt: string): Promise<void> {
  const t = new DecoderTrainer(config, options({ checkpointDir: ckpt }));
  await t.fit(split.train, validate);
  t.dispose();
}

async function resume(ckpt: string): Promise<unknown> {
  const t = new DecoderTrainer(config, options({ epochs: 2, checkpointDir: ckpt, resume: true }));
  try {
    await t.fit(split.train, validate);
    return null;
  } catch (error) {
    return error;
  } finally {
    t.dispose();
  }
}

describe('checkpoint verification on --resume', () => {
  it('a checkpoint.bin overwritten with NaNs (same size) is refused, naming the file and what to do', async () => {
    const ckpt = join(dir, 'nan');
    await trainOneEpoch(ckpt);
    const size = readFileSync(join(ckpt, 'checkpoint.bin')).byteLength;
    writeFileSync(join(ckpt, 'checkpoint.bin'), new Uint8Array(new Float32Array(size / 4).fill(Number.NaN).buffer));
    const error = await resume(ckpt);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toContain(join(ckpt, 'checkpoint.bin'));
    expect((error as Error).message).toMatch(/sha256 .* does not match.*without --resume/);
  });

  it('a truncated or empty checkpoint.json is an error naming the file, not a bare SyntaxError', async () => {
    const ckpt = join(dir, 'json');
    await trainOneEpoch(ckpt);
    const text = readFileSync(join(ckpt, 'checkpoint.json'), 'utf8');
    for (const broken of [text.slice(0, 100), '']) {
      writeFileSync(join(ckpt, 'checkpoint.json'), broken);
      const error = await resume(ckpt);
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toContain(`checkpoint ${join(ckpt, 'checkpoint.json')} is unreadable`);
    }
  });

  it('--resume with a missing folder or no checkpoint in it says so instead of training from scratch', async () => {
    const missing = await resume(join(dir, 'no-such-folder'));
    expect(missing).toBeInstanceOf(CheckpointError);
    expect((missing as Error).message).toMatch(/checkpoint folder .*no-such-folder does not exist/);
    const empty = join(dir, 'empty');
    rmSync(empty, { recursive: true, force: true });
    mkdirSync(empty);
    expect(((await resume(empty)) as Error).message).toMatch(/checkpoint\.json does not exist/);
  });
});

describe('non-finite values', () => {
  it('a NaN loss stops training with a clear error and saves nothing of that epoch', async () => {
    const ckpt = join(dir, 'diverged');
    const t = new DecoderTrainer(config, options({ checkpointDir: ckpt }));
    const emb = t.params.get('item.id_embedding')!;
    emb.assign(tf.fill(emb.shape, Number.NaN));
    const error = await t.fit(split.train, validate).catch((e: unknown) => e);
    t.dispose();
    expect(error).toBeInstanceOf(TrainingDivergedError);
    expect((error as Error).message).toMatch(/epoch 1 step 1\/4: the loss is NaN.*Lower --lr/);
    expect(existsSync(join(ckpt, 'checkpoint.json'))).toBe(false);
  });

  it('export refuses a model with a non-finite value (exit 1, names the tensor)', () => {
    const ok = tf.ones([2, 2]);
    const bad = tf.tensor1d([1, Number.NaN, Number.POSITIVE_INFINITY]);
    expect(() => assertFiniteForExport([['a', ok]])).not.toThrow();
    let error: unknown;
    try {
      assertFiniteForExport([
        ['a', ok],
        ['item-embeddings', bad],
      ]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(1);
    expect((error as Error).message).toBe('export refused: item-embeddings has 2 non-finite value(s) of 3; nothing was written');
    tf.dispose([ok, bad]);
  });
});

describe('stopping inside an epoch', () => {
  it('records the step, does not count the epoch, and a resume reaches the uninterrupted weights bit for bit', async () => {
    const straight = new DecoderTrainer(config, options({ epochs: 3 }));
    const reference = await straight.fit(split.train, validate);
    const expected = straight.snapshot();
    straight.dispose();

    const ckpt = join(dir, 'mid-epoch');
    // A time limit that is over after the first step: stops in epoch 1 after step 1 of 4.
    const first = new DecoderTrainer(config, options({ epochs: 3, checkpointDir: ckpt, maxSeconds: 1e-9 }));
    const r1 = await first.fit(split.train, validate);
    first.dispose();
    expect(r1.epochsDone).toBe(0);
    expect(r1.stoppedAt).toEqual({ epoch: 1, step: 1, steps: 4 });
    expect(r1.history).toEqual([]);
    const header = JSON.parse(readFileSync(join(ckpt, 'checkpoint.json'), 'utf8')) as {
      epochsDone: number;
      partial: { epoch: number; step: number };
    };
    expect(header.epochsDone).toBe(0);
    expect(header.partial).toMatchObject({ epoch: 1, step: 1 });

    // Resumed, then stopped again inside epoch 2 (after 3 + 2 steps).
    let steps = 0;
    const second = new DecoderTrainer(
      config,
      options({ epochs: 3, checkpointDir: ckpt, resume: true, shouldStop: () => ++steps >= 5 }),
    );
    const r2 = await second.fit(split.train, validate);
    second.dispose();
    expect(r2.epochsDone).toBe(1);
    expect(r2.stoppedAt).toEqual({ epoch: 2, step: 2, steps: 4 });

    const third = new DecoderTrainer(config, options({ epochs: 3, checkpointDir: ckpt, resume: true }));
    const r3 = await third.fit(split.train, validate);
    const actual = third.snapshot();
    third.dispose();
    expect(r3.epochsDone).toBe(3);
    expect(r3.stoppedAt).toBeUndefined();
    expect(r3.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(r3.history.map((h) => h.loss)).toEqual(reference.history.map((h) => h.loss));
    for (const [name, values] of expected) expect(Array.from(actual.get(name)!), name).toEqual(Array.from(values));
  });
});
