import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildArtifacts, loadDecoder } from '../../../src/model/artifacts.ts';
import { defaultDecoderConfig, type DecoderConfig } from '../../../src/model/decoder.ts';
import { validateManifest, type ArtifactRole, type ModelManifest } from '../../../src/model/manifest.ts';
import { PrefixMem, prefixMemConfigFor } from '../../../src/model/prefixmem.ts';
import { PrefixMemItemEncoder } from '../../../src/model/prefixmem-items.ts';
import { SidDecoding, sidHeadConfigFor } from '../../../src/model/sid-decoding.ts';
import { sidHeadShapes } from '../../../src/model/sid-head.ts';
import { buildTrie } from '../../../src/sid/trie.ts';
import { serializeSidArtifacts, type SidTable } from '../../../src/sid/sid-table.ts';
import { setupTrainingBackend } from '../../../src/train/backend.ts';
import { buildBatch, type TrainingSequence } from '../../../src/train/batches.ts';
import { SidHeadObjective } from '../../../src/train/sid-loss.ts';
import { SidEvalRecommender } from '../../../src/eval/sid-recommender.ts';
import { DEFAULT_TRAIN_OPTIONS, DecoderTrainer } from '../../../src/train/trainer.ts';

const I = 24;
/** Toy SIDs: 2 levels x 4 codes + a disambiguation code (items 16..23 collide with 0..7). */
const table: SidTable = {
  items: I,
  levels: 2,
  sidLength: 3,
  codebookSize: 4,
  disambiguationSize: 2,
  codes: Uint16Array.from({ length: I * 3 }, (_, k) => {
    const item = Math.floor(k / 3);
    const pos = k % 3;
    const base = item % 16;
    return pos === 0 ? base % 4 : pos === 1 ? Math.floor(base / 4) : item >= 16 ? 1 : 0;
  }),
};

/** Users who walk the catalog in a fixed cycle (item i is followed by (i + 5) mod I): the next SID is learnable. */
function cycleSequences(count: number, length: number): TrainingSequence[] {
  return Array.from({ length: count }, (_, u) => {
    const items = Int32Array.from({ length }, (_, t) => (u * 7 + t * 5) % I);
    return { items, outcomes: new Uint8Array(length), times: new Float64Array(length).fill(Number.NaN) };
  });
}

function makeTrainer(seed = 3): { trainer: DecoderTrainer; sidHead: SidHeadObjective; config: DecoderConfig } {
  const config = defaultDecoderConfig({
    itemCount: I,
    outcomeCount: 1,
    dim: 16,
    blocks: 1,
    maxLen: 8,
    timeFeatures: false,
    usePrefixMem: true,
  });
  const encoder = new PrefixMemItemEncoder(
    new PrefixMem(prefixMemConfigFor(table, { dim: 16, tableSize: 64, memDim: 4 }), seed),
    table,
  );
  const sidHead = new SidHeadObjective(sidHeadConfigFor(encoder, 16), encoder, seed + 1, 1, 64);
  const trainer = new DecoderTrainer(
    config,
    { ...DEFAULT_TRAIN_OPTIONS, negatives: 8, learningRate: 0.01, seed, log: () => {} },
    encoder,
    sidHead,
  );
  return { trainer, sidHead, config };
}

/** The SID loss alone on a batch, with the trainer's current weights. */
function sidLossOf(trainer: DecoderTrainer, sidHead: SidHeadObjective, config: DecoderConfig, seqs: TrainingSequence[]): number {
  const batch = buildBatch(seqs, config);
  return tf.tidy(() => {
    const hidden = trainer.decoder.forward(batch.tokens);
    const h = tf.gather(hidden, tf.tensor1d(batch.querySlots, 'int32')) as tf.Tensor2D;
    const q = trainer.decoder.queries(h, tf.tensor1d(batch.queryOutcomes, 'int32'), tf.tensor1d(batch.queryHorizons, 'int32'));
    return sidHead.loss(q, batch).dataSync()[0]!;
  });
}

describe('SID decoding head on the decoder', () => {
  let trainer: DecoderTrainer;
  let sidHead: SidHeadObjective;
  let config: DecoderConfig;
  beforeAll(async () => {
    await setupTrainingBackend('wasm');
    ({ trainer, sidHead, config } = makeTrainer());
  });
  const seqs = cycleSequences(12, 9);
  afterAll(() => trainer.dispose());

  it('has one head per SID position with the table vocabularies, and its variables train with the decoder', () => {
    expect(sidHead.config.vocabSizes).toEqual([4, 4, 2]);
    const names = [...trainer.trainableVariables().keys()];
    for (const [name] of sidHeadShapes(sidHead.config)) expect(names).toContain(name);
    expect(names).not.toContain('sidhead.l0.wc'); // position 0 has no prefix
    const q = tf.randomNormal([5, 16]) as tf.Tensor2D;
    const logProbs = sidHead.decoding.levelLogProbs(
      q,
      Array.from({ length: 5 }, () => Int32Array.from([1, 2])),
      2,
    );
    expect(logProbs.shape).toEqual([5, 2]);
    const sums = tf.sum(tf.exp(logProbs), 1).dataSync();
    for (const s of sums) expect(s).toBeCloseTo(1, 4);
    tf.dispose([q, logProbs]);
  });

  it('the multi-task loss lowers the SID cross-entropy on a tiny synthetic set', () => {
    const before = sidLossOf(trainer, sidHead, config, seqs);
    const head = trainer.trainableVariables().get('sidhead.l1.wc')!.dataSync().slice();
    for (let step = 0; step < 40; step++) expect(Number.isFinite(trainer.trainStep(buildBatch(seqs, config)))).toBe(true);
    const after = sidLossOf(trainer, sidHead, config, seqs);
    expect(Array.from(trainer.trainableVariables().get('sidhead.l1.wc')!.dataSync())).not.toEqual(Array.from(head));
    expect(after).toBeLessThan(before * 0.5);
  });

  it('generates the next item of the cycle by beam search over the trie, never a missing SID', async () => {
    // History ending in item x: the next item is (x + 5) mod I.
    const last = [0, 3, 17];
    const hidden = tf.tidy(() => {
      const batch = buildBatch(
        last.map((x) => ({
          items: Int32Array.from([(x + I - 10) % I, (x + I - 5) % I, x, (x + 5) % I]),
          outcomes: new Uint8Array(4),
          times: new Float64Array(4).fill(Number.NaN),
        })),
        config,
      );
      const h = trainer.decoder.forward(batch.tokens);
      const L = batch.tokens.length;
      return tf.gather(
        h,
        tf.tensor1d(
          Int32Array.from(last, (_, b) => b * L + L - 1),
          'int32',
        ),
      ) as tf.Tensor2D;
    });
    const queries = trainer.decoder.queries(hidden, tf.zeros([3], 'int32') as tf.Tensor1D, tf.zeros([3], 'int32') as tf.Tensor1D);
    const generated = await sidHead.decoding.generate(queries, 4);
    expect(generated).toHaveLength(3);
    let correct = 0;
    generated.forEach((g, i) => {
      expect(g.items.length).toBe(4);
      expect(new Set(g.items).size).toBe(4);
      for (const item of g.items) expect(item >= 0 && item < I).toBe(true);
      for (let j = 1; j < g.scores.length; j++) expect(g.scores[j]!).toBeLessThanOrEqual(g.scores[j - 1]!);
      if (g.items[0] === (last[i]! + 5) % I) correct++;
    });
    expect(correct).toBeGreaterThanOrEqual(2);
    // A forbidden item is never returned; its slot goes to the next candidate.
    const banned = generated[0]!.items[0]!;
    const filtered = await sidHead.decoding.generate(queries, 4, (item) => item !== banned);
    expect(Array.from(filtered[0]!.items)).not.toContain(banned);
    expect(filtered[0]!.items.length).toBe(4);
    tf.dispose([hidden, queries]);
  });

  it('generates an item added after training (cold start: quantization codes only)', async () => {
    const x = 3;
    const next = (x + 5) % I; // what the trained model generates first after x
    const hidden = tf.tidy(() => {
      const batch = buildBatch(
        [
          {
            items: Int32Array.from([(x + I - 10) % I, (x + I - 5) % I, x, next]),
            outcomes: new Uint8Array(4),
            times: new Float64Array(4).fill(Number.NaN),
          },
        ],
        config,
      );
      return tf.slice(trainer.decoder.forward(batch.tokens), [batch.tokens.length - 1, 0], [1, -1]) as tf.Tensor2D;
    });
    const query = trainer.decoder.queries(hidden, tf.zeros([1], 'int32') as tf.Tensor1D, tf.zeros([1], 'int32') as tf.Tensor1D);
    const decoding = new SidDecoding(sidHead.decoding.head, sidHead.decoding.prefixMem, table);
    const before = await decoding.generate(query, 6);
    expect(before[0]!.items[0]).toBe(next);
    // A new item with the same content codes as `next`: the next free disambiguation code under that prefix.
    const [row] = decoding.addItems([table.codes.subarray(next * 3, next * 3 + 2)]);
    expect(row).toBe(I);
    expect(decoding.table.items).toBe(I + 1);
    const after = await decoding.generate(query, 6);
    expect(Array.from(after[0]!.items)).toContain(I);
    expect(table.items).toBe(I); // the original table is left as it was
    tf.dispose([hidden, query]);
  });

  it('evaluates through the same generation: sid and sid+rerank score only the beam, history excluded', async () => {
    const table = trainer.decoder.retrievalTable();
    const histories = [0, 3, 17].map((x, user) => ({
      user,
      items: Int32Array.from([(x + I - 10) % I, (x + I - 5) % I, x]),
      outcomes: new Uint8Array(3),
      times: new Float64Array(3).fill(Number.NaN),
    }));
    for (const mode of ['sid', 'sid+rerank'] as const) {
      const rec = new SidEvalRecommender(mode, trainer.decoder, table, sidHead.decoding, [1], mode, 5);
      const out = new Float32Array(3 * I).fill(123);
      await rec.scoreBatch(histories, out);
      histories.forEach((h, b) => {
        const row = out.subarray(b * I, (b + 1) * I);
        const finite = Array.from(row.keys()).filter((i) => Number.isFinite(row[i]!));
        expect(finite.length).toBe(5); // the beam, nothing else
        for (const item of h.items) expect(row[item]).toBe(-Infinity); // history excluded inside the beam
        const best = finite.reduce((a, i) => (row[i]! > row[a]! ? i : a), finite[0]!);
        if (mode === 'sid') expect(row[best]!).toBeLessThanOrEqual(0); // log-probabilities
      });
    }
    table.dispose();
  });

  it('exports the head as sidhead.* tensors and reloads it: same generation', async () => {
    const params = new Map<string, tf.Tensor>(trainer.trainableVariables());
    const itemEmbeddings = trainer.decoder.retrievalTable();
    const raw = await buildArtifacts({
      config,
      params,
      itemEmbeddings,
      outcomes: ['any'],
      outcomePrior: [1],
      prefixMem: sidHead.decoding.prefixMem.config,
      sidHead: sidHead.config,
      dataset: { name: 'toy', users: 12, items: I, events: 108 },
      extraFiles: [
        { role: 'sid-codes', path: 'sids.bin', bytes: new Uint8Array(serializeSidArtifacts({ table, trie: buildTrie(table) })) },
      ],
    });
    itemEmbeddings.dispose();
    const manifest = JSON.parse(new TextDecoder().decode(raw.get('manifest.json'))) as ModelManifest;
    expect((manifest.model as { sidHead?: unknown }).sidHead).toEqual(sidHead.config);
    expect(manifest.tensors.map((t) => t.name)).toContain('sidhead.l2.wout');
    const files = new Map<ArtifactRole, ArrayBuffer>(manifest.files.map((f) => [f.role, raw.get(f.path)!.slice().buffer]));
    const loaded = loadDecoder(manifest, files);
    expect(loaded.sid).toBeDefined();
    const queries = tf.tidy(() => tf.div(tf.randomNormal([2, 16], 0, 1, 'float32', 5), 4) as tf.Tensor2D);
    const a = await sidHead.decoding.generate(queries, 6);
    const b = await loaded.sid!.generate(queries, 6);
    expect(b.map((g) => Array.from(g.items))).toEqual(a.map((g) => Array.from(g.items)));
    expect(b.map((g) => Array.from(g.scores))).toEqual(a.map((g) => Array.from(g.scores)));
    queries.dispose();
    loaded.dispose();

    // The manifest contract: a missing head tensor or a head without the SID file is refused by name.
    const missing = {
      ...manifest,
      tensors: manifest.tensors.map((t) => (t.name === 'sidhead.l1.wc' ? { ...t, name: 'unused.wc' } : t)),
    };
    expect(() => validateManifest(missing, 'm')).toThrow(/sidhead\.l1\.wc is missing/);
    const noSids = { ...manifest, files: manifest.files.filter((f) => f.role !== 'sid-codes') };
    expect(() => validateManifest(noSids, 'm')).toThrow(/sid-codes/);
  });
});
