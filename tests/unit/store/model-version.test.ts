/**
 * `modelVersion` covers every file: re-exporting with the same weights but a new catalog, SID table
 * or item table gives a new version, and a browser holding the old one downloads the new one (it
 * used to derive from weights.bin only, so such a re-export kept serving the stale catalog).
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildArtifacts } from '../../../src/model/artifacts.ts';
import { encodeCatalog } from '../../../src/model/catalog-file.ts';
import { Decoder, defaultDecoderConfig, initDecoderParams } from '../../../src/model/decoder.ts';
import { modelVersionOf, type ArtifactRole, type ModelManifest } from '../../../src/model/manifest.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { loadModel } from '../../../src/store/loader.ts';
import { ModelStore } from '../../../src/store/model-store.ts';
import { buildSidTable, serializeSidArtifacts } from '../../../src/sid/sid-table.ts';
import { buildTrie } from '../../../src/sid/trie.ts';
import { readArtifacts } from '../../../src/train/load-model.ts';
import { memoryFetch } from '../../fixtures/engine/synthetic-model.ts';

const ITEMS = 10;
const config = defaultDecoderConfig({ itemCount: ITEMS, outcomeCount: 3, dim: 8, blocks: 1, heads: 1, maxLen: 8 });

type Change = 'none' | ArtifactRole;

/** One export; `change` alters exactly one file's bytes against the `none` export. */
async function exportWith(change: Change): Promise<Map<string, Uint8Array>> {
  const params = new Map<string, tf.Tensor>(initDecoderParams(config, 5));
  const decoder = new Decoder(config, params);
  let table = decoder.retrievalTable();
  if (change === 'weights') {
    const position = params.get('token.position')!;
    params.set('token.position', position.add(1e-3));
  }
  if (change === 'item-embeddings') {
    const swapped = tf.concat([table.slice([1, 0], [ITEMS - 1, -1]), table.slice([0, 0], [1, -1])]) as tf.Tensor2D;
    table.dispose();
    table = swapped;
  }
  const codes = Int32Array.from({ length: ITEMS * 2 }, (_, i) => (i * 7 + (change === 'sid-codes' ? 1 : 0)) % 4);
  const { table: sidTable } = buildSidTable(codes, ITEMS, 2, 4);
  const ids = Array.from({ length: ITEMS }, (_, i) => `i${i}`);
  const titles = ids.map((id) => (change === 'catalog' && id === 'i3' ? 'Renamed' : `Title ${id}`));
  const raw = await buildArtifacts({
    config,
    params,
    itemEmbeddings: table,
    outcomes: ['dislike', 'watch', 'love'],
    outcomePrior: [0.2, 0.3, 0.5],
    dataset: { name: 'toy', users: 1, items: ITEMS, events: 0 },
    extraFiles: [
      { role: 'catalog', path: 'catalog.json', bytes: encodeCatalog({ ids, titles }) },
      {
        role: 'sid-codes',
        path: 'sids.bin',
        bytes: new Uint8Array(serializeSidArtifacts({ table: sidTable, trie: buildTrie(sidTable) })),
      },
    ],
    createdAt: '2026-11-22T00:00:00.000Z',
  });
  table.dispose();
  for (const t of params.values()) t.dispose();
  return raw;
}

const BASE = 'https://cdn.test/m/';
const bodiesOf = (raw: Map<string, Uint8Array>) =>
  new Map([...raw].map(([path, bytes]) => [new URL(path, BASE).toString(), bytes]));
const manifestOf = (raw: Map<string, Uint8Array>) =>
  JSON.parse(new TextDecoder().decode(raw.get('manifest.json'))) as ModelManifest;

let dbCounter = 0;

describe('modelVersion', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(['weights', 'item-embeddings', 'catalog', 'sid-codes'] as const)(
    're-exporting with only %s changed gives a new version, which the loader downloads and activates',
    async (role) => {
      const before = await exportWith('none');
      const after = await exportWith(role);
      // Exactly that file differs.
      const differing = [...before.keys()].filter((p) => p !== 'manifest.json' && before.get(p)!.join() !== after.get(p)!.join());
      expect(differing).toEqual([manifestOf(before).files.find((f) => f.role === role)!.path]);
      expect(manifestOf(after).modelVersion).not.toBe(manifestOf(before).modelVersion);

      const store = new ModelStore(await openDatabase({ name: `version-${dbCounter++}` }), 'app');
      const load = async (raw: Map<string, Uint8Array>, calls: string[]) =>
        (
          await loadModel({
            manifestUrl: `${BASE}manifest.json`,
            store,
            fetch: memoryFetch(bodiesOf(raw), { calls }),
            prepare: async (loaded) => loaded,
            release: () => undefined,
          })
        ).loaded;
      const first = await load(before, []);
      expect(first.source).toBe('network');
      const again = await load(before, []);
      expect(again.source).toBe('storage');

      const calls: string[] = [];
      const updated = await load(after, calls);
      expect(updated.source).toBe('network');
      expect(updated.manifest.modelVersion).toBe(manifestOf(after).modelVersion);
      expect(calls).toContain(new URL(differing[0]!, BASE).toString());
      expect((await store.activeRecord())?.manifest.modelVersion).toBe(manifestOf(after).modelVersion);
      if (role === 'catalog') expect(updated.catalog.titles?.[3]).toBe('Renamed');
    },
  );

  it('the shipped demo model carries the version of its files (re-written by scripts/rehash-model.ts)', async () => {
    const { manifest } = await readArtifacts('public/models/ml-latest-small');
    expect(manifest.modelVersion).toBe(await modelVersionOf(manifest.files));
  });
});
