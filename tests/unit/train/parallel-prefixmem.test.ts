import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDecoderConfig } from '../../../src/model/decoder.ts';
import { PrefixMem, prefixMemConfigFor } from '../../../src/model/prefixmem.ts';
import { PrefixMemItemEncoder } from '../../../src/model/prefixmem-items.ts';
import type { SidTable } from '../../../src/sid/sid-table.ts';
import { setupTrainingBackend } from '../../../src/train/backend.ts';
import { buildBatch, type TrainingSequence } from '../../../src/train/batches.ts';
import { GradientWorker } from '../../../src/train/parallel.ts';
import { DEFAULT_TRAIN_OPTIONS, DecoderTrainer } from '../../../src/train/trainer.ts';

const I = 24;
/** Toy SIDs: 2 levels x 4 codes + a disambiguation code. */
const table: SidTable = {
  items: I,
  levels: 2,
  sidLength: 3,
  codebookSize: 4,
  disambiguationSize: 2,
  codes: Uint16Array.from({ length: I * 3 }, (_, k) => {
    const item = Math.floor(k / 3);
    const base = item % 16;
    return k % 3 === 0 ? base % 4 : k % 3 === 1 ? Math.floor(base / 4) : item >= 16 ? 1 : 0;
  }),
};
// --item-rep id+sid: the ID embedding and PrefixMem.
const config = defaultDecoderConfig({ itemCount: I, outcomeCount: 2, dim: 8, blocks: 1, maxLen: 10, usePrefixMem: true });
const prefixMem = prefixMemConfigFor(table, { dim: 8, tableSize: 64, memDim: 4 });
const options = { ...DEFAULT_TRAIN_OPTIONS, negatives: 8, learningRate: 0.01 };
const users: TrainingSequence[] = Array.from({ length: 6 }, (_, u) => {
  const n = 4 + u;
  return {
    items: Int32Array.from({ length: n }, (_, i) => (u * 5 + i * 3) % I),
    outcomes: Uint8Array.from({ length: n }, (_, i) => (i + u) % 2),
    times: Float64Array.from({ length: n }, (_, i) => 1.7e9 + i * 3600 * (u + 1)),
  };
});

describe('two-thread step with PrefixMem item representations (--item-rep id+sid --workers 2)', () => {
  let worker: GradientWorker;
  beforeAll(async () => {
    await setupTrainingBackend('wasm');
    worker = new GradientWorker(config, options, { prefixMem, table });
    await worker.ready;
  });
  afterAll(async () => {
    await worker.close();
  });

  it("the worker's shard gradients, PrefixMem's included, average with ours to the whole batch gradient", async () => {
    const encoder = new PrefixMemItemEncoder(new PrefixMem(prefixMem, 5), table);
    const trainer = new DecoderTrainer(config, { ...options, log: () => {} }, encoder);
    const negatives = { items: Int32Array.from([1, 4, 9, 16, 20, 2, 7, 11]), logQ: null };
    const a = buildBatch(users.slice(0, 3), config);
    const b = buildBatch(users.slice(3), config);
    const g = trainer.gradients(buildBatch(users, config), negatives);
    const ga = trainer.gradients(a, negatives);
    const gb = await worker.gradients(trainer.snapshot(), b, negatives);
    expect([...gb.grads.keys()].filter((n) => n.startsWith('prefixmem.')).length).toBeGreaterThan(0);
    const [na, nb] = [a.queryCount, b.queryCount];
    let maxDiff = 0;
    let maxPrefixMem = 0;
    for (const [name, full] of g.grads) {
      full.forEach((v, i) => {
        const avg = (ga.grads.get(name)![i]! * na + gb.grads.get(name)![i]! * nb) / (na + nb);
        maxDiff = Math.max(maxDiff, Math.abs(avg - v));
        if (name.startsWith('prefixmem.')) maxPrefixMem = Math.max(maxPrefixMem, Math.abs(v));
      });
    }
    expect(maxPrefixMem).toBeGreaterThan(1e-4); // PrefixMem really trains through both threads
    expect(maxDiff).toBeLessThan(1e-5);
    const loss = await trainer.trainStepParallel(a, b, worker);
    expect(Number.isFinite(loss)).toBe(true);
    trainer.dispose();
  });
});
