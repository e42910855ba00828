import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/errors/errors.ts';
import { buildArtifacts } from '../../../src/model/artifacts.ts';
import { Decoder, defaultDecoderConfig, initDecoderParams, type DecoderConfig } from '../../../src/model/decoder.ts';
import {
  decodeItemTable,
  encodeItemTable,
  fromHalfBits,
  itemEncodingOf,
  itemTableBytes,
  toHalfBits,
  type ItemPrecision,
} from '../../../src/model/item-table.ts';
import { validateManifest, type ArtifactRole, type ModelManifest } from '../../../src/model/manifest.ts';
import { DecoderRuntime } from '../../../src/model/runtime.ts';

/** Deterministic unit rows [rows, dim] (a small LCG; values in (-1, 1) before normalising). */
function unitRows(rows: number, dim: number, seed = 1): Float32Array {
  const out = new Float32Array(rows * dim);
  let s = seed;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out[i] = (s / 2 ** 30 - 1) * (i % 7 === 0 ? 3 : 1);
  }
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let c = 0; c < dim; c++) n += out[r * dim + c]! ** 2;
    for (let c = 0; c < dim; c++) out[r * dim + c]! /= Math.sqrt(n);
  }
  return out;
}

describe('item-table encodings', () => {
  it('half-float bits: exact for representable values, round to nearest even, overflow and subnormals', () => {
    for (const v of [0, 1, -1, 0.5, 65504, -(2 ** -14), 2 ** -24, 0.333251953125]) expect(fromHalfBits(toHalfBits(v))).toBe(v);
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie -> even (up)
    expect(fromHalfBits(toHalfBits(1e6))).toBe(Number.POSITIVE_INFINITY);
    expect(fromHalfBits(toHalfBits(2 ** -26))).toBe(0);
    expect(Number.isNaN(fromHalfBits(toHalfBits(Number.NaN)))).toBe(true);
  });

  it('round trips each encoding within its error bound, at the documented byte size', () => {
    const rows = 37;
    const dim = 13; // rows x dim not a multiple of 4: int8 padding is exercised
    const values = unitRows(rows, dim);
    const bounds: Record<ItemPrecision, (max: number) => number> = {
      fp32: () => 0,
      fp16: () => 2 ** -11, // |x| <= 1: half an ulp of [0.5, 1) is 2^-12; 2^-11 leaves room
      int8: (max) => max / 127 / 2 + 1e-7, // half a quantisation step of the row's scale
    };
    expect(itemTableBytes(itemEncodingOf('fp32'), rows, dim)).toBe(rows * dim * 4);
    expect(itemTableBytes(itemEncodingOf('fp16'), rows, dim)).toBe(rows * dim * 2);
    expect(itemTableBytes(itemEncodingOf('int8'), rows, dim)).toBe(rows * 4 + Math.ceil((rows * dim) / 4) * 4);
    for (const precision of ['fp32', 'fp16', 'int8'] as const) {
      const encoding = itemEncodingOf(precision);
      const bytes = encodeItemTable(values, rows, dim, encoding);
      expect(bytes.byteLength).toBe(itemTableBytes(encoding, rows, dim));
      const back = decodeItemTable(bytes.slice().buffer, rows, dim, encoding);
      for (let r = 0; r < rows; r++) {
        let max = 0;
        for (let c = 0; c < dim; c++) max = Math.max(max, Math.abs(values[r * dim + c]!));
        for (let c = 0; c < dim; c++)
          expect(Math.abs(back[r * dim + c]! - values[r * dim + c]!)).toBeLessThanOrEqual(bounds[precision](max));
      }
      expect(() => decodeItemTable(bytes.slice(0, bytes.byteLength - 4).buffer, rows, dim, encoding)).toThrow(/needs/);
    }
    // An all-zero row has scale 0 and decodes to zeros.
    const zero = decodeItemTable(
      encodeItemTable(new Float32Array(8), 2, 4, itemEncodingOf('int8')).slice().buffer,
      2,
      4,
      itemEncodingOf('int8'),
    );
    expect([...zero]).toEqual(new Array(8).fill(0));
  });
});

const config: DecoderConfig = defaultDecoderConfig({ itemCount: 40, outcomeCount: 3, dim: 16, blocks: 1, heads: 2, maxLen: 8 });

async function exported(precision: ItemPrecision | undefined, params: Map<string, tf.Tensor>, decoder: Decoder) {
  const table = decoder.retrievalTable();
  const raw = await buildArtifacts({
    config,
    params,
    itemEmbeddings: table,
    ...(precision ? { itemPrecision: precision } : {}),
    outcomes: ['dislike', 'watch', 'love'],
    outcomePrior: [0.2, 0.3, 0.5],
    dataset: { name: 'toy', users: 1, items: 40, events: 10 },
    createdAt: '2026-12-01T00:00:00.000Z',
  });
  table.dispose();
  const manifest = JSON.parse(new TextDecoder().decode(raw.get('manifest.json'))) as ModelManifest;
  const files = new Map<ArtifactRole, ArrayBuffer>();
  for (const f of manifest.files) files.set(f.role, raw.get(f.path)!.slice().buffer);
  return { manifest, files, raw };
}

describe('compact item tables in exported models', () => {
  let params: Map<string, tf.Variable>;
  let decoder: Decoder;
  beforeAll(async () => {
    await tf.setBackend('cpu');
    params = initDecoderParams(config, 3);
    decoder = new Decoder(config, new Map(params));
  });

  it('fp32 is the default and writes no encoding field (old manifests mean fp32)', async () => {
    const plain = await exported(undefined, new Map(params), decoder);
    const fp32 = await exported('fp32', new Map(params), decoder);
    expect(plain.manifest.itemEmbeddingEncoding).toBeUndefined();
    expect(fp32.manifest).toEqual(plain.manifest);
    expect(plain.manifest.files.find((f) => f.role === 'item-embeddings')!.bytes).toBe(40 * 16 * 4);
  });

  it('an fp16 / int8 export validates at its exact size, loads, and ranks like fp32', async () => {
    const reference = await exported('fp32', new Map(params), decoder);
    const ref = DecoderRuntime.fromArtifacts(reference.manifest, reference.files);
    const session = ref.prefill([
      { item: 3, outcome: 2, time: 1_700_000_000 },
      { item: 9, outcome: 1, time: 1_700_003_600 },
    ]);
    const queries = ref.queries(session, [{ outcome: 2, horizon: 0 }]);
    const refScores = tf.tidy(() => tf.matMul(queries, ref.itemEmbeddings, false, true).dataSync());
    for (const [precision, bytes, tolerance] of [
      ['fp16', 40 * 16 * 2, 2e-3],
      ['int8', 40 * 4 + 40 * 16, 2e-2],
    ] as const) {
      const a = await exported(precision, new Map(params), decoder);
      expect(a.manifest.itemEmbeddingEncoding).toEqual(itemEncodingOf(precision));
      expect(a.manifest.files.find((f) => f.role === 'item-embeddings')!.bytes).toBe(bytes);
      expect(a.manifest.modelVersion).not.toBe(reference.manifest.modelVersion);
      const runtime = DecoderRuntime.fromArtifacts(a.manifest, a.files);
      expect(runtime.itemEmbeddings.dtype).toBe('float32');
      const scores = tf.tidy(() => tf.matMul(queries, runtime.itemEmbeddings, false, true).dataSync());
      for (let i = 0; i < 40; i++) expect(Math.abs(scores[i]! - refScores[i]!)).toBeLessThan(tolerance);
      const best = (s: ArrayLike<number>) => Array.from(s).indexOf(Math.max(...Array.from(s)));
      expect(best(scores)).toBe(best(refScores));
      runtime.dispose();
    }
    queries.dispose();
    ref.dispose();
  });

  it('validation checks the exact byte size per encoding and refuses unknown encodings', async () => {
    const { manifest } = await exported('int8', new Map(params), decoder);
    const edited = (edit: (m: Record<string, unknown>) => void) => {
      const copy = JSON.parse(JSON.stringify(manifest)) as Record<string, unknown>;
      edit(copy);
      return () => validateManifest(copy, 'm.json');
    };
    expect(edited(() => {})).not.toThrow();
    // The int8 file's size claimed as fp16 (or fp32, the field removed): refused, naming the formula.
    const asFp16 = edited((m) => (m.itemEmbeddingEncoding = { type: 'fp16' }));
    expect(asFp16).toThrow(ModelFormatError);
    expect(asFp16).toThrow(/item-embeddings .* has 800 bytes, but fp16: itemCount 40 x embeddingDim 16 x 2 = 1280/);
    expect(edited((m) => delete m.itemEmbeddingEncoding)).toThrow(/x 4 = 2560/);
    expect(edited((m) => (m.itemEmbeddingEncoding = { type: 'int4' }))).toThrow(/"int4" is not fp32, fp16 or int8/);
    expect(edited((m) => (m.itemEmbeddingEncoding = { type: 'int8' }))).toThrow(/scale "per-row"/);
    expect(edited((m) => (m.itemEmbeddingEncoding = 'int8'))).toThrow(/not an object/);
  });
});
