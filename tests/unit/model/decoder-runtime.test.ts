import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildArtifacts } from '../../../src/model/artifacts.ts';
import {
  Decoder,
  defaultDecoderConfig,
  initDecoderParams,
  MULTI_TOKEN_HORIZONS,
  type DecoderConfig,
} from '../../../src/model/decoder.ts';
import { TIME_FEATURES, writeTimeFeatures, type TokenBatch } from '../../../src/model/tokens.ts';
import type { ArtifactRole, ModelManifest } from '../../../src/model/manifest.ts';
import { DecoderRuntime, type HistoryEvent } from '../../../src/model/runtime.ts';

const config: DecoderConfig = defaultDecoderConfig({
  itemCount: 30,
  outcomeCount: 3,
  dim: 16,
  blocks: 2,
  heads: 2,
  maxLen: 12,
  horizons: MULTI_TOKEN_HORIZONS,
});

/** A deterministic toy history with timestamps one to a few hours apart. */
function history(n: number, salt = 0): HistoryEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    item: (i * 7 + 3 + salt) % 30,
    outcome: (i + salt) % 3,
    time: 1_700_000_000 + i * 5400 + (i % 3) * 600,
  }));
}

/** A left-padded batch of the given histories, like the trainer builds. */
function batchOf(histories: HistoryEvent[][], L: number): TokenBatch {
  const B = histories.length;
  const t: TokenBatch = {
    batch: B,
    length: L,
    items: new Int32Array(B * L),
    outcomes: new Int32Array(B * L),
    positions: new Int32Array(B * L),
    valid: new Float32Array(B * L),
    time: new Float32Array(B * L * TIME_FEATURES),
  };
  histories.forEach((h, b) => {
    const pad = L - h.length;
    h.forEach((e, j) => {
      const slot = b * L + pad + j;
      t.items[slot] = e.item;
      t.outcomes[slot] = e.outcome;
      t.positions[slot] = j;
      t.valid[slot] = 1;
      writeTimeFeatures(e.time, j > 0 ? h[j - 1]!.time : Number.NaN, t.time, slot * TIME_FEATURES);
    });
  });
  return t;
}

async function artifactsOf(
  params: Map<string, tf.Tensor>,
  decoder: Decoder,
): Promise<{ manifest: ModelManifest; files: Map<ArtifactRole, ArrayBuffer>; raw: Map<string, Uint8Array> }> {
  const table = decoder.retrievalTable();
  const raw = await buildArtifacts({
    config,
    params,
    itemEmbeddings: table,
    outcomes: ['dislike', 'watch', 'love'],
    outcomePrior: [0.2, 0.3, 0.5],
    dataset: { name: 'toy', users: 1, items: 30, events: 10 },
    createdAt: '2026-11-22T00:00:00.000Z',
  });
  table.dispose();
  const manifest = JSON.parse(new TextDecoder().decode(raw.get('manifest.json'))) as ModelManifest;
  const files = new Map<ArtifactRole, ArrayBuffer>();
  for (const f of manifest.files) files.set(f.role, raw.get(f.path)!.slice().buffer);
  return { manifest, files, raw };
}

describe('decoder + runtime', () => {
  let params: Map<string, tf.Variable>;
  let decoder: Decoder;
  let runtime: DecoderRuntime;
  let raw: Map<string, Uint8Array>;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    params = initDecoderParams(config, 7);
    decoder = new Decoder(config, new Map(params));
    const a = await artifactsOf(new Map(params), decoder);
    raw = a.raw;
    runtime = DecoderRuntime.fromArtifacts(a.manifest, a.files);
  });

  it('has the documented shapes and unit-norm queries', () => {
    const hidden = decoder.forward(batchOf([history(5), history(8, 1)], 8));
    expect(hidden.shape).toEqual([16, 16]);
    const session = runtime.prefill(history(6));
    expect(session.length).toBe(6);
    const q = runtime.queries(session, [
      { outcome: 2, horizon: 0 },
      { outcome: 0, horizon: 2 },
    ]);
    expect(q.shape).toEqual([2, 16]);
    const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(q), 1)).arraySync() as number[]);
    for (const n of norms) expect(n).toBeCloseTo(1, 5);
    expect(runtime.itemEmbeddings.shape).toEqual([30, 16]);
    expect(runtime.horizons).toEqual(['next', 'soon', 'later']);
    tf.dispose([hidden, q]);
    session.dispose();
  });

  it('no position sees the future: changing a later token leaves earlier hidden states identical', () => {
    const h = history(8);
    const changed = h.map((e, i) => (i === 5 ? { item: 29, outcome: 1, time: e.time + 99999 } : e));
    const a = decoder.forward(batchOf([h], 8)).arraySync() as number[][];
    const b = decoder.forward(batchOf([changed], 8)).arraySync() as number[][];
    for (let t = 0; t < 5; t++) expect(b[t]).toEqual(a[t]);
    expect(b[5]).not.toEqual(a[5]);
  });

  it('forwardLast equals the last slot of each row of forward (padded rows too)', () => {
    const tokens = batchOf([history(9), history(5, 2), history(1, 3)], 9);
    const full = decoder.forward(tokens).arraySync() as number[][];
    const last = decoder.forwardLast(tokens).arraySync() as number[][];
    expect(last.length).toBe(3);
    for (let b = 0; b < 3; b++) for (let j = 0; j < 16; j++) expect(last[b]![j]).toBeCloseTo(full[b * 9 + 8]![j]!, 5);
  });

  it('padding is invisible: a padded batch row equals the unpadded history', () => {
    const h = history(5, 2);
    const padded = decoder.forward(batchOf([history(9), h], 9)).arraySync() as number[][];
    const alone = decoder.forward(batchOf([h], 5)).arraySync() as number[][];
    for (let t = 0; t < 5; t++) for (let j = 0; j < 16; j++) expect(padded[9 + 4 + t]![j]).toBeCloseTo(alone[t]![j]!, 5);
  });

  it('KV-cache append equals a full recompute (within 1e-5), and returns the tokens computed', () => {
    const h = history(10);
    const requests = [
      { outcome: 1, horizon: 0 },
      { outcome: 2, horizon: 1 },
    ];
    const full = runtime.prefill(h);
    const expected = runtime.queries(full, requests).arraySync() as number[][];
    const inc = runtime.prefill(h.slice(0, 4));
    expect(runtime.append(inc, h.slice(4, 5))).toBe(1);
    expect(runtime.append(inc, h.slice(5, 10))).toBe(5);
    expect(inc.length).toBe(10);
    const got = runtime.queries(inc, requests).arraySync() as number[][];
    for (let r = 0; r < 2; r++) for (let j = 0; j < 16; j++) expect(Math.abs(got[r]![j]! - expected[r]![j]!)).toBeLessThan(1e-5);
    // Every position's hidden state from the full pass equals the batched training forward.
    const hs = runtime.hiddenStates(h).arraySync() as number[][];
    const fw = decoder.forward(batchOf([h], 10)).arraySync() as number[][];
    for (let t = 0; t < 10; t++) for (let j = 0; j < 16; j++) expect(Math.abs(hs[t]![j]! - fw[t]![j]!)).toBeLessThan(1e-5);
    // Past maxLen (12) the window is recomputed: 12 tokens, and equals a prefill of the last 12.
    expect(runtime.append(inc, history(3, 5))).toBe(12);
    const all = [...h, ...history(3, 5)];
    const ref = runtime.prefill(all);
    expect(ref.length).toBe(12);
    const a = runtime.queries(inc, requests).arraySync() as number[][];
    const b = runtime.queries(ref, requests).arraySync() as number[][];
    for (let r = 0; r < 2; r++) for (let j = 0; j < 16; j++) expect(Math.abs(a[r]![j]! - b[r]![j]!)).toBeLessThan(1e-5);
    for (const s of [full, inc, ref]) s.dispose();
  });

  it('save/load round trip gives bit-identical outputs and bytes', async () => {
    const h = history(7);
    // Queries straight from the in-memory parameters...
    const direct = tf.tidy(() => {
      const hidden = decoder.forward(batchOf([h], 7));
      const last = tf.slice(hidden, [6, 0], [1, -1]) as tf.Tensor2D;
      return decoder.queries(last, tf.tensor1d([2], 'int32'), tf.tensor1d([1], 'int32')).dataSync();
    });
    // ...equal the loaded runtime's, bit for bit.
    const s = runtime.prefill(h);
    const loaded = runtime.queries(s, [{ outcome: 2, horizon: 1 }]);
    const viaRuntime = loaded.dataSync();
    s.dispose();
    loaded.dispose();
    const hs = runtime.hiddenStates(h);
    const again = tf.tidy(() =>
      decoder
        .queries(tf.slice(hs, [6, 0], [1, -1]) as tf.Tensor2D, tf.tensor1d([2], 'int32'), tf.tensor1d([1], 'int32'))
        .dataSync(),
    );
    hs.dispose();
    expect(Array.from(again)).toEqual(Array.from(viaRuntime));
    for (let j = 0; j < 16; j++) expect(Math.abs(direct[j]! - viaRuntime[j]!)).toBeLessThan(1e-5);
    // Re-exporting the loaded tensors reproduces the same files byte for byte.
    const reloaded = new Map<string, tf.Tensor>(params);
    const table = runtime.itemEmbeddings;
    const raw2 = await buildArtifacts({
      config,
      params: reloaded,
      itemEmbeddings: table,
      outcomes: ['dislike', 'watch', 'love'],
      outcomePrior: [0.2, 0.3, 0.5],
      dataset: { name: 'toy', users: 1, items: 30, events: 10 },
      createdAt: '2026-11-22T00:00:00.000Z',
    });
    for (const [path, bytes] of raw) expect(Buffer.from(raw2.get(path)!).equals(Buffer.from(bytes))).toBe(true);
  });

  it('rejects bad inputs and truncated files with clear errors', async () => {
    expect(() => runtime.prefill([{ item: 30, outcome: 0, time: Number.NaN }])).toThrow(/outside 0..29/);
    const s = runtime.prefill(history(2));
    expect(() => runtime.queries(s, [{ outcome: 3, horizon: 0 }])).toThrow(/outcome 3/);
    s.dispose();
    const a = await artifactsOf(new Map(params), decoder);
    a.files.set('weights', a.files.get('weights')!.slice(0, 100));
    expect(() => DecoderRuntime.fromArtifacts(a.manifest, a.files)).toThrow(/weights.bin has 100 bytes/);
  });

  it('tf.memory() stays flat across repeated prefill / append / queries', () => {
    const cycle = () => {
      const s = runtime.prefill(history(6));
      runtime.append(s, history(2, 1));
      runtime.queries(s, [{ outcome: 0, horizon: 0 }]).dispose();
      s.dispose();
    };
    cycle();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) cycle();
    expect(tf.memory().numTensors).toBe(before);
  });
});
