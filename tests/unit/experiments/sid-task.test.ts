import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PrefixMem, prefixMemConfigFor } from '../../../src/model/prefixmem.ts';
import { pretrainPrefixMem } from '../../../src/experiments/pretrain.ts';
import { ExampleSampler, SidPredictor, trainSidPredictor, DEFAULT_SID_TASK } from '../../../src/experiments/sid-task.ts';
import { buildSidTable } from '../../../src/sid/sid-table.ts';
import { buildTrie } from '../../../src/sid/trie.ts';
import { setupTrainingBackend } from '../../../src/train/backend.ts';
import { runSidAblation } from '../../../src/experiments/ablation.ts';
import type { Dataset } from '../../../src/data/types.ts';

/** 16 items: SID (c0, c1, (c0 + c1) mod 4, 0); the third code depends on BOTH prefix codes. */
function xorLikeTable() {
  const codes = new Int32Array(16 * 3);
  for (let i = 0; i < 16; i++) {
    const c0 = Math.floor(i / 4);
    const c1 = i % 4;
    codes.set([c0, c1, (c0 + c1) % 4], i * 3);
  }
  return buildSidTable(codes, 16, 3, 4).table;
}

beforeAll(async () => {
  await setupTrainingBackend('wasm');
});

describe('pretrainPrefixMem (known answer)', () => {
  it('PrefixMem learns a code determined by the whole prefix; plain embeddings cannot', () => {
    const table = xorLikeTable();
    expect(table.disambiguationSize).toBe(1);
    const config = { steps: 150, batchSize: 128, learningRate: 0.01, seed: 1 };
    const withMem = new PrefixMem(prefixMemConfigFor(table, { dim: 16, memDim: 8, tableSize: 256 }), 1);
    const plain = new PrefixMem(prefixMemConfigFor(table, { dim: 16, useMemory: false }), 1);
    // Loss = CE(c1 | c0) + CE(c2 | prefix) + CE(disambiguation). c1 is uniform given c0: ln 4 for both.
    // c2 given (c0, c1) is certain, but given c1 alone it is uniform: ln 4 more for plain.
    const memLoss = pretrainPrefixMem(withMem, table, config).at(-1)!;
    const plainLoss = pretrainPrefixMem(plain, table, config).at(-1)!;
    expect(memLoss).toBeLessThan(Math.log(4) + 0.2);
    expect(plainLoss).toBeGreaterThan(2 * Math.log(4) - 0.15);
    withMem.dispose();
    plain.dispose();
  });
});

describe('SidPredictor', () => {
  it('learns next = item + 1 and beam search returns only existing items', () => {
    const table = xorLikeTable();
    const trie = buildTrie(table);
    const sequences = Array.from({ length: 8 }, (_, u) => Int32Array.from({ length: 12 }, (_, t) => (u + t) % 16));
    const before = tf.memory().numTensors;
    const model = new SidPredictor(table, prefixMemConfigFor(table, { dim: 16, memDim: 8, tableSize: 256 }), {
      ...DEFAULT_SID_TASK,
      batchSize: 32,
      historyLength: 3,
      hiddenDim: 32,
      learningRate: 0.01,
      seed: 2,
    });
    const sampler = new ExampleSampler(sequences, 3);
    expect(sampler.size).toBe(8 * 11);
    const losses = trainSidPredictor(model, sampler, 120, undefined, 20);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! * 0.3);
    const histories = [Int32Array.from([3, 4, 5]), Int32Array.from([14, 15])];
    const correct = model.teacherForcedCorrect([
      { history: histories[0]!, target: 6 },
      { history: histories[1]!, target: 0 },
    ]);
    expect(correct).toEqual([2, 2, 2, 2]);
    const ranked = model.generate(trie, histories, 5);
    expect(ranked.map((r) => r[0])).toEqual([6, 0]);
    for (const list of ranked) {
      expect(list.length).toBe(5);
      for (const item of list) expect(item >= 0 && item < 16).toBe(true);
    }
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('runSidAblation', () => {
  it('trains every variant for the same steps and evaluates on the leave-one-out test targets', () => {
    const table = xorLikeTable();
    const trie = buildTrie(table);
    const sequences = Array.from({ length: 10 }, (_, u) => {
      const items = Int32Array.from({ length: 9 }, (_, t) => (u + t) % 16);
      return { user: u, items, outcomes: new Uint8Array(9), times: new Float64Array(9).fill(NaN) };
    });
    const dataset = { name: 'toy', sequences } as unknown as Dataset;
    const seen: string[] = [];
    const out = runSidAblation(
      dataset,
      table,
      trie,
      {
        task: { ...DEFAULT_SID_TASK, batchSize: 16, historyLength: 4, hiddenDim: 16 },
        steps: 10,
        evalUsers: 1000,
        beamWidth: 16,
        pretrainSteps: 3,
      },
      undefined,
      (r) => seen.push(r.variant),
    );
    expect(seen).toEqual(['plain', 'plain-sum', 'prefixmem', 'prefixmem+pretrain']);
    expect(out.evalUsers).toBe(10);
    expect(out.trainExamples).toBe(10 * 6); // train prefix = 7 events -> 6 (history, next) pairs
    for (const r of out.results) {
      expect(r.steps).toBe(10);
      expect(r.accuracy).toHaveLength(4);
      // A beam of 16 over a 16-item catalog returns every item, so every target is in the top 100.
      expect(r.recallAt100).toBe(1);
      expect(r.recallAt10).toBeLessThanOrEqual(1);
    }
    expect(out.results[0]!.parameters).toBeLessThan(out.results[2]!.parameters);
  });
});
