import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { buildArtifacts, loadDecoder } from '../../../src/model/artifacts.ts';
import { Decoder, defaultDecoderConfig, initDecoderParams, type DecoderConfig } from '../../../src/model/decoder.ts';
import type { ArtifactRole, ModelManifest } from '../../../src/model/manifest.ts';
import { validateManifest } from '../../../src/model/manifest.ts';
import {
  initRankingParams,
  RankingHead,
  rankingLogits,
  rankingLoss,
  type RankingTargets,
} from '../../../src/model/ranking-head.ts';
import { packHistories, type EventSequence } from '../../../src/model/tokens.ts';
import { buildBatch, type TrainingSequence } from '../../../src/train/batches.ts';
import { addHardNegatives, buildRankingTargets } from '../../../src/train/ranking-targets.ts';
import { DEFAULT_TRAIN_OPTIONS, DecoderTrainer } from '../../../src/train/trainer.ts';
import { ModelFormatError } from '../../../src/errors/errors.ts';

const config: DecoderConfig = defaultDecoderConfig({ itemCount: 20, outcomeCount: 3, dim: 16, blocks: 2, heads: 2, maxLen: 10 });
const ranking = { hiddenDim: 12 };

function sequence(n: number, salt: number): EventSequence {
  return {
    items: Array.from({ length: n }, (_, i) => (i * 7 + 3 + salt) % 20),
    outcomes: Array.from({ length: n }, (_, i) => (i + salt) % 3),
    times: Array.from({ length: n }, (_, i) => 1_700_000_000 + i * 5400 + salt * 60),
  };
}

/** A decoder and a ranking head with random (seeded) parameters. */
function model(seed = 3): { decoder: Decoder; head: RankingHead; params: Map<string, tf.Tensor>; dispose(): void } {
  const params = new Map<string, tf.Tensor>(initDecoderParams(config, seed));
  for (const [n, v] of initRankingParams(config, ranking, seed)) params.set(n, v);
  const decoder = new Decoder(config, params);
  return { decoder, head: new RankingHead(decoder, params, ranking), params, dispose: () => tf.dispose([...params.values()]) };
}

/** The per-block KV cache of one history. */
function cacheOf(decoder: Decoder, s: EventSequence) {
  const { tokens } = packHistories([s], config.maxLen, config.timeFeatures);
  const { hidden, caches } = decoder.forwardIncremental(tokens, null);
  hidden.dispose();
  return caches;
}

describe('ranking head', () => {
  it('a candidate attending to the cache equals a full forward with the candidate appended', () => {
    const m = model();
    const history = sequence(6, 1);
    const caches = cacheOf(m.decoder, history);
    const candidates = [4, 11, 17];
    const requested = Int32Array.from([2, 0, 1]);
    const viaCache = tf.tidy(() => {
      const x = m.head.candidateTokens(
        tf.tensor1d(candidates, 'int32'),
        tf.fill([3], history.items.length, 'int32') as tf.Tensor1D,
        requested,
      );
      return m.head.candidateHidden(
        x,
        caches.map((c) => [c]),
        { counts: [3], masks: [null] },
      );
    });
    const got = viaCache.arraySync();
    candidates.forEach((item, c) => {
      const appended: EventSequence = {
        items: [...Array.from(history.items), item],
        outcomes: [...Array.from(history.outcomes), requested[c]!],
        times: [...Array.from(history.times), Number.NaN],
      };
      const { tokens } = packHistories([appended], config.maxLen, config.timeFeatures);
      const full = m.decoder.forward(tokens);
      const last = full.arraySync()[appended.items.length - 1]!;
      full.dispose();
      for (let j = 0; j < config.dim; j++) expect(got[c]![j]).toBeCloseTo(last[j]!, 4);
    });
    tf.dispose([viaCache, ...caches.flatMap((c) => [c.keys, c.values])]);
    m.dispose();
  });

  it('candidates do not affect each other', () => {
    const m = model();
    const caches = cacheOf(m.decoder, sequence(5, 2));
    const together = m.head.score(caches, [1, 9, 13, 2]);
    const alone = m.head.score(caches, [13]);
    const reversed = m.head.score(caches, [2, 13, 9, 1]);
    const t = together.arraySync();
    const a = alone.arraySync();
    const r = reversed.arraySync();
    for (let k = 0; k < 4; k++) {
      expect(t[2]![k]).toBeCloseTo(a[0]![k]!, 5);
      expect(t[0]![k]).toBeCloseTo(r[3]![k]!, 5);
    }
    expect(t[0]!.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    // Different items do get different scores (the head is not constant).
    expect(Math.abs(t[0]![0]! - t[1]![0]!)).toBeGreaterThan(1e-6);
    tf.dispose([together, alone, reversed, ...caches.flatMap((c) => [c.keys, c.values])]);
    m.dispose();
  });

  it("a padded training batch's masked candidates score like the runtime on each prefix", () => {
    const m = model(5);
    const seqs: TrainingSequence[] = [sequence(8, 1), sequence(4, 2)].map((s) => ({
      items: Int32Array.from(s.items),
      outcomes: Uint8Array.from(s.outcomes),
      times: Float64Array.from(s.times),
    }));
    const batch = buildBatch(seqs, config);
    let state = 7;
    const targets = buildRankingTargets(
      seqs,
      batch,
      config,
      { hiddenDim: 12, weight: 1, negatives: 2, positions: 3 },
      {
        int: (n) => (state = (state * 1103515245 + 12345) >>> 0) % n,
      },
    );
    expect(targets.items.length).toBe(2 * 3 * 3);
    const logits = tf.tidy(() => {
      const { caches } = m.decoder.forwardStates(batch.tokens);
      return tf.softmax(rankingLogits(m.head, caches, batch.tokens.batch, batch.tokens.length, batch.tokens.valid, targets));
    });
    const got = logits.arraySync() as number[][];
    const L = batch.tokens.length;
    for (let c = 0; c < targets.items.length; c++) {
      const b = targets.rows[c]!;
      const s = seqs[b]!;
      const inputs = Math.min(L, s.items.length - 1);
      const prefix = targets.context[c]! - (L - inputs) + 1; // events the candidate sees
      const caches = cacheOf(m.decoder, {
        items: s.items.slice(0, prefix),
        outcomes: s.outcomes.slice(0, prefix),
        times: s.times.slice(0, prefix),
      });
      const want = m.head.score(caches, [targets.items[c]!]);
      const w = want.arraySync()[0]!;
      for (let k = 0; k < 4; k++) expect(got[c]![k]).toBeCloseTo(w[k]!, 4);
      tf.dispose([want, ...caches.flatMap((x) => [x.keys, x.values])]);
      if (targets.labels[c]! > 0) expect(targets.items[c]).toBe(s.items[prefix]);
    }
    logits.dispose();
    m.dispose();
  });

  it("hard negatives replace the popularity half with items the model retrieves, never the target or the row's inputs", () => {
    const m = model(13);
    const seqs: TrainingSequence[] = [sequence(8, 1), sequence(6, 3)].map((s) => ({
      items: Int32Array.from(s.items),
      outcomes: Uint8Array.from(s.outcomes),
      times: Float64Array.from(s.times),
    }));
    const batch = buildBatch(seqs, config);
    let state = 5;
    const rng = { int: (n: number) => (state = (state * 1103515245 + 12345) >>> 0) % n };
    const targets = buildRankingTargets(seqs, batch, config, { hiddenDim: 12, weight: 1, negatives: 4, positions: 2 }, rng);
    const before = Int32Array.from(targets.items);
    addHardNegatives(m.decoder, batch, targets, 3, rng);
    const L = batch.tokens.length;
    let replaced = 0;
    for (let c = 0; c < targets.items.length; c++) {
      const group = c % 5; // [positive, 4 negatives] per context
      if (group === 0 || group % 2 === 1) {
        expect(targets.items[c]).toBe(before[c]); // positives and uniform negatives stay
        continue;
      }
      const row = targets.rows[c]!;
      const inputs = new Set(
        Array.from({ length: L }, (_, j) => j)
          .filter((j) => batch.tokens.valid[row * L + j])
          .map((j) => batch.tokens.items[row * L + j]),
      );
      expect(inputs.has(targets.items[c]!)).toBe(false);
      expect(targets.items[c]).not.toBe(targets.items[c - group]);
      expect(targets.labels[c]).toBe(0);
      if (targets.items[c] !== before[c]) replaced++;
    }
    expect(replaced).toBeGreaterThan(0);
    m.dispose();
  });

  it('the ranking loss decreases when trained jointly on a tiny synthetic set', () => {
    // Users step through the catalog by +1; the outcome depends on the item (loved if even).
    const seqs: TrainingSequence[] = Array.from({ length: 8 }, (_, u) => {
      const items = Array.from({ length: 9 }, (_, i) => (u + i) % 20);
      return {
        items: Int32Array.from(items),
        outcomes: Uint8Array.from(items, (x) => (x % 2 === 0 ? 2 : 0)),
        times: Float64Array.from(items, (_, i) => 1_700_000_000 + i * 3600),
      };
    });
    const trainer = new DecoderTrainer(config, {
      ...DEFAULT_TRAIN_OPTIONS,
      negatives: 8,
      learningRate: 0.02,
      ranking: { hiddenDim: 12, weight: 1, negatives: 3, positions: 4 },
      log: () => {},
    });
    const batch = buildBatch(seqs, config);
    let state = 11;
    const targets: RankingTargets = buildRankingTargets(seqs, batch, config, trainer.options.ranking!, {
      int: (n) => (state = (state * 1103515245 + 12345) >>> 0) % n,
    });
    trainer.ranking!.targets.set(batch, targets);
    const loss = (): number =>
      tf.tidy(() => {
        const { caches } = trainer.decoder.forwardStates(batch.tokens);
        const t = batch.tokens;
        return rankingLoss(trainer.ranking!.head, caches, t.batch, t.length, t.valid, targets).dataSync()[0]!;
      });
    const before = loss();
    for (let step = 0; step < 15; step++) trainer.trainStep(batch);
    const after = loss();
    expect(after).toBeLessThan(before * 0.8);
    trainer.dispose();
  });

  it('exports rank.* tensors and model.ranking, loads them back, and scores the same; memory stays flat', async () => {
    const m = model(9);
    const table = m.decoder.retrievalTable();
    const raw = await buildArtifacts({
      config,
      params: m.params,
      ranking,
      itemEmbeddings: table,
      outcomes: ['dislike', 'watch', 'love'],
      outcomePrior: [0.2, 0.3, 0.5],
      dataset: { name: 'toy', users: 1, items: 20, events: 10 },
      createdAt: '2026-12-01T00:00:00.000Z',
    });
    table.dispose();
    const manifest = JSON.parse(new TextDecoder().decode(raw.get('manifest.json'))) as ModelManifest;
    expect((manifest.model as { ranking?: unknown }).ranking).toEqual(ranking);
    expect(manifest.tensors.map((t) => t.name)).toContain('rank.mlp.out.kernel');
    const files = new Map<ArtifactRole, ArrayBuffer>();
    for (const f of manifest.files) files.set(f.role, raw.get(f.path)!.slice().buffer);
    const loaded = loadDecoder(manifest, files);
    expect(loaded.ranking).toBeDefined();
    const history = sequence(7, 4);
    const c1 = cacheOf(m.decoder, history);
    const c2 = cacheOf(loaded.decoder, history);
    const a = m.head.score(c1, [3, 5, 8]);
    const b = loaded.ranking!.score(c2, [3, 5, 8]);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) loaded.ranking!.score(c2, [1, 2, 3, 4]).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([a, b, ...c1.flatMap((c) => [c.keys, c.values]), ...c2.flatMap((c) => [c.keys, c.values])]);
    loaded.dispose();
    m.dispose();

    // A manifest whose ranking config does not match its rank.* tensors is refused.
    const broken = { ...manifest, model: { ...manifest.model, ranking: { hiddenDim: 13 } } };
    expect(() => validateManifest(broken, 'broken')).toThrow(ModelFormatError);
    expect(() => validateManifest(broken, 'broken')).toThrow(/rank\.mlp\.in\.kernel/);
    const bad = { ...manifest, model: { ...manifest.model, ranking: { hiddenDim: -1 } } };
    expect(() => validateManifest(bad, 'bad')).toThrow(/model\.ranking/);
  });
});
