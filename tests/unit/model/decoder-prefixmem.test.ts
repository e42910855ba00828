import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildArtifacts, loadDecoder } from '../../../src/model/artifacts.ts';
import { Decoder, defaultDecoderConfig } from '../../../src/model/decoder.ts';
import type { ArtifactRole, ModelManifest } from '../../../src/model/manifest.ts';
import { PrefixMem, prefixMemConfigFor } from '../../../src/model/prefixmem.ts';
import { PrefixMemItemEncoder } from '../../../src/model/prefixmem-items.ts';
import { buildTrie } from '../../../src/sid/trie.ts';
import { serializeSidArtifacts, type SidTable } from '../../../src/sid/sid-table.ts';
import { setupTrainingBackend } from '../../../src/train/backend.ts';
import { buildBatch } from '../../../src/train/batches.ts';
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

describe('decoder with PrefixMem item representation', () => {
  beforeAll(async () => {
    await setupTrainingBackend('wasm');
  });

  it('trains PrefixMem jointly (SID-only) and round-trips through artifacts bit-identically', async () => {
    const config = defaultDecoderConfig({
      itemCount: I,
      outcomeCount: 1,
      dim: 8,
      blocks: 1,
      maxLen: 8,
      timeFeatures: false,
      useIdEmbedding: false,
      usePrefixMem: true,
    });
    const pmConfig = prefixMemConfigFor(table, { dim: 8, tableSize: 64, memDim: 4 });
    const encoder = new PrefixMemItemEncoder(new PrefixMem(pmConfig, 3), table);
    const trainer = new DecoderTrainer(
      config,
      { ...DEFAULT_TRAIN_OPTIONS, negatives: 8, learningRate: 0.01, log: () => {} },
      encoder,
    );
    const names = [...trainer.trainableVariables().keys()];
    expect(names).toContain('prefixmem.code_embedding');
    expect(names).not.toContain('item.id_embedding');
    const before = trainer.trainableVariables().get('prefixmem.code_embedding')!.dataSync().slice();
    const seq = {
      items: Int32Array.from([1, 2, 3, 17, 5, 6]),
      outcomes: new Uint8Array(6),
      times: new Float64Array(6).fill(Number.NaN),
    };
    expect(Number.isFinite(trainer.trainStep(buildBatch([seq, seq], config)))).toBe(true);
    const after = trainer.trainableVariables().get('prefixmem.code_embedding')!.dataSync();
    expect(Array.from(after)).not.toEqual(Array.from(before)); // gradients reached PrefixMem

    const tableT = trainer.decoder.retrievalTable();
    const raw = await buildArtifacts({
      config,
      params: new Map(trainer.trainableVariables()),
      itemEmbeddings: tableT,
      outcomes: ['any'],
      outcomePrior: [1],
      prefixMem: pmConfig,
      dataset: { name: 'toy', users: 1, items: I, events: 6 },
      extraFiles: [
        { role: 'sid-codes', path: 'sids.bin', bytes: new Uint8Array(serializeSidArtifacts({ table, trie: buildTrie(table) })) },
      ],
    });
    const manifest = JSON.parse(new TextDecoder().decode(raw.get('manifest.json'))) as ModelManifest;
    const files = new Map<ArtifactRole, ArrayBuffer>(manifest.files.map((f) => [f.role, raw.get(f.path)!.slice().buffer]));
    const loaded = loadDecoder(manifest, files);
    const items = tf.tensor1d([0, 16, 23], 'int32');
    const original = trainer.decoder.retrievalEmbeddings(items).dataSync();
    const reloaded = loaded.decoder.retrievalEmbeddings(items).dataSync();
    expect(Array.from(reloaded)).toEqual(Array.from(original));
    expect(Array.from(loaded.itemEmbeddings.dataSync())).toEqual(Array.from(tableT.dataSync()));
    // Items 0 and 16 share their first two SID codes: PrefixMem gives them related but distinct vectors.
    expect(Array.from(reloaded.slice(0, 8))).not.toEqual(Array.from(reloaded.slice(8, 16)));
    loaded.dispose();
    trainer.dispose();
    expect(() => new Decoder({ ...config }, new Map())).toThrow(/PrefixMem|missing parameter/);
  });
});
