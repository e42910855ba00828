import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import type { EngineLoadOptions, RecommendResult } from '../../../src/engine/protocol.ts';
import { InvalidArgumentError, ModelIntegrityError, UnknownItemError } from '../../../src/errors/errors.ts';
import { DecoderRuntime } from '../../../src/model/runtime.ts';
import { memoryFetch } from '../../fixtures/engine/synthetic-model.ts';
import { tinyModel } from '../../fixtures/engine/tiny-model.ts';

let bodies: Map<string, Uint8Array>;
let manifestUrl: string;
let dbCounter = 0;

beforeAll(async () => {
  await tf.setBackend('cpu');
  ({ bodies, manifestUrl } = await tinyModel('https://cdn.test/tiny/'));
});

function engine(fetchBodies = bodies) {
  return new Engine({ createRuntime: DecoderRuntime.fromArtifacts, fetch: memoryFetch(fetchBodies) });
}
const options = (databaseName: string, extra: Partial<EngineLoadOptions> = {}): EngineLoadOptions => ({
  modelUrl: manifestUrl,
  backend: 'cpu',
  databaseName,
  namespace: 'shop',
  ...extra,
});
const events = (ids: number[], t0 = 1_700_000_000) =>
  ids.map((n, i) => ({ itemId: `i${n}`, outcome: ['love', 'watch', 'dislike'][i % 3]!, time: t0 + i * 3600 }));

function expectSameRanking(a: RecommendResult, b: RecommendResult): void {
  expect(a.items.map((i) => i.itemId)).toEqual(b.items.map((i) => i.itemId));
  a.items.forEach((item, j) => expect(Math.abs(item.score - b.items[j]!.score)).toBeLessThan(1e-5));
}

describe('Engine (real DecoderRuntime on cpu, fake IndexedDB)', () => {
  it('loads, records through the KV cache, and matches a full recompute after a restart', async () => {
    const db = `engine-${dbCounter++}`;
    const a = engine();
    const phases: string[] = [];
    const status = await a.load(options(db), (p) => phases.push(p.phase));
    expect(status).toMatchObject({
      backend: 'cpu',
      modelSource: 'network',
      itemCount: 40,
      outcomes: ['dislike', 'watch', 'love'],
      horizons: ['next', 'soon', 'later'],
      sidAvailable: true,
    });
    expect(phases.at(-2)).toBe('compile');
    expect(phases.at(-1)).toBe('ready');

    const first = await a.record(events([1, 2, 3]));
    expect(first).toEqual({ recorded: 3, tokensComputed: 3, path: 'prefill', sessionLength: 3 });
    const second = await a.record(events([4, 5], 1_700_100_000));
    expect(second).toEqual({ recorded: 2, tokensComputed: 2, path: 'append', sessionLength: 5 });
    const cached = await a.recommend({ k: 8, outcomeBudget: { love: 0.7, watch: 0.3 } });
    expect(cached.items).toHaveLength(8);
    await a.dispose();

    // A new engine on the same database: model from storage, history prefilled in one pass.
    const b = engine(new Map()); // no network at all
    const restored = await b.load(options(db));
    expect(restored.modelSource).toBe('storage');
    expect(restored.historyLength).toBe(5);
    const recomputed = await b.recommend({ k: 8, outcomeBudget: { love: 0.7, watch: 0.3 } });
    expectSameRanking(cached, recomputed);
    expect((await b.history()).map((e) => e.itemId)).toEqual(['i1', 'i2', 'i3', 'i4', 'i5']);
    await b.dispose();
  });

  it('applies budgets, excludes seen items, honours filters and rejects unknown ids', async () => {
    const e = engine();
    await e.load(options(`engine-${dbCounter++}`));
    await e.record(events([1, 2, 3, 4]));
    const result = await e.recommend({ k: 10, outcomeBudget: { love: 0.7, watch: 0.3 } });
    const perOutcome = (o: string) => result.items.filter((i) => i.outcome === o).length;
    expect([perOutcome('love'), perOutcome('watch')]).toEqual([7, 3]);
    expect(new Set(result.items.map((i) => i.itemId)).size).toBe(10);
    for (const item of result.items) expect(['i1', 'i2', 'i3', 'i4']).not.toContain(item.itemId);
    expect(result.queries).toBe(6); // 2 outcomes x 3 horizons
    expect(result.items[0]!.title).toMatch(/^Item /);

    const withSeen = await e.recommend({ k: 40, excludeSeen: false });
    expect(withSeen.items.map((i) => i.itemId)).toEqual(expect.arrayContaining(['i1', 'i2']));

    const allowed = await e.recommend({ k: 3, filter: { allow: ['i10', 'i11', 'i12', 'i13', 'i1'] } });
    expect(allowed.items).toHaveLength(3);
    for (const item of allowed.items) expect(['i10', 'i11', 'i12', 'i13']).toContain(item.itemId); // i1 is allowed but seen
    const denied = await e.recommend({ k: 10, filter: { deny: result.items.slice(0, 5).map((i) => i.itemId) } });
    for (const item of result.items.slice(0, 5)) expect(denied.items.map((i) => i.itemId)).not.toContain(item.itemId);

    const unknown = await e
      .record([
        { itemId: 'nope', outcome: 'love' },
        { itemId: 'i5', outcome: 'love' },
      ])
      .catch((x: unknown) => x);
    expect(unknown).toBeInstanceOf(UnknownItemError);
    expect((unknown as UnknownItemError).itemIds).toEqual(['nope']);
    expect((await e.history()).length).toBe(4); // nothing recorded
    await expect(e.recommend({ filter: { deny: ['ghost'] } })).rejects.toBeInstanceOf(UnknownItemError);
    await expect(e.record([{ itemId: 'i5', outcome: 'adore' }])).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(e.recommend({ outcomeBudget: { adore: 1 } })).rejects.toBeInstanceOf(InvalidArgumentError);
    await e.dispose();
  });

  it('explains results with the closest history items and returns SID beam-search results', async () => {
    const e = engine();
    await e.load(options(`engine-${dbCounter++}`));
    await e.record(events([6, 7, 8]));
    const explained = await e.recommend({ k: 4, explain: 2 });
    for (const item of explained.items) {
      expect(item.closestHistory).toHaveLength(2);
      expect(['i6', 'i7', 'i8']).toEqual(expect.arrayContaining(item.closestHistory!.map((h) => h.itemId)));
      expect(item.closestHistory![0]!.similarity).toBeGreaterThanOrEqual(item.closestHistory![1]!.similarity);
    }
    const sid = await e.recommend({ k: 5, mode: 'sid', beamWidth: 8 });
    expect(sid.mode).toBe('sid');
    expect(sid.kernel).toBe('sid-beam');
    expect(sid.items).toHaveLength(5);
    for (const item of sid.items) {
      expect(item.score).toBeLessThanOrEqual(0); // log-probabilities
      expect(['i6', 'i7', 'i8']).not.toContain(item.itemId);
    }
    // A denied item never comes out of the beam; its slot goes to the next one.
    const denied = sid.items[0]!.itemId;
    const withoutIt = await e.recommend({ k: 5, mode: 'sid', beamWidth: 8, filter: { deny: [denied] } });
    expect(withoutIt.items).toHaveLength(5);
    expect(withoutIt.items.map((i) => i.itemId)).not.toContain(denied);
    // sid+rerank: the beam's candidates re-scored by query · item (cosines), seen items still excluded.
    const hybrid = await e.recommend({ k: 5, mode: 'sid+rerank', beamWidth: 8 });
    expect(hybrid.kernel).toBe('sid-rerank');
    expect(hybrid.items).toHaveLength(5);
    const embedding = await e.recommend({ k: 5, filter: { allow: hybrid.items.map((i) => i.itemId) } });
    expect(new Set(embedding.items.map((i) => i.itemId))).toEqual(new Set(hybrid.items.map((i) => i.itemId)));
    for (const item of hybrid.items) {
      expect(Math.abs(item.score)).toBeLessThanOrEqual(1 + 1e-5);
      expect(['i6', 'i7', 'i8']).not.toContain(item.itemId);
    }
    await e.dispose();
  });

  it('refuses the SID modes, by name, on a model without a SID head', async () => {
    const headless = await tinyModel('https://cdn.test/headless/', 7, 40, undefined, { sidHead: false });
    const e = engine(headless.bodies);
    const status = await e.load(options(`engine-${dbCounter++}`, { modelUrl: headless.manifestUrl }));
    expect(status.sidAvailable).toBe(false);
    await e.record(events([1, 2]));
    for (const mode of ['sid', 'sid+rerank'] as const) {
      const error = await e.recommend({ k: 3, mode }).catch((x: unknown) => x);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/no SID head.*--sid-head/);
    }
    expect((await e.recommend({ k: 3 })).items).toHaveLength(3);
    await e.dispose();
  });

  it('lists the catalog with titles and SID codes, from storage after a reload', async () => {
    const databaseName = `engine-${dbCounter++}`;
    const first = engine();
    await first.load(options(databaseName));
    const catalog = await first.catalog();
    expect(catalog).toHaveLength(40);
    expect(catalog[0]).toMatchObject({ itemId: 'i1', index: 0, title: 'Item 1' });
    expect(catalog[39]).toMatchObject({ itemId: 'i40', index: 39, title: 'Item 40' });
    const sidLength = catalog[0]!.sid!.length;
    expect(sidLength).toBeGreaterThan(1);
    // Every item has a full, distinct SID (the disambiguation code makes them unique).
    expect(new Set(catalog.map((item) => item.sid!.join('.'))).size).toBe(40);
    await first.dispose();
    // A second engine with the network gone reads the same catalog from IndexedDB.
    const offline = new Engine({
      createRuntime: DecoderRuntime.fromArtifacts,
      fetch: () => Promise.reject(new TypeError('offline')),
    });
    await offline.load(options(databaseName));
    expect(await offline.catalog()).toEqual(catalog);
    await offline.dispose();
  });

  it('keeps memory flat across many recommend calls', async () => {
    const e = engine();
    await e.load(options(`engine-${dbCounter++}`));
    await e.record(events([1, 2, 3]));
    await e.recommend({ k: 5 });
    const before = await e.memory();
    for (let i = 0; i < 200; i++)
      await e.recommend({ k: 5, outcomeBudget: { love: 0.5, watch: 0.5 }, filter: i % 2 ? { deny: ['i9'] } : undefined });
    const after = await e.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    await e.dispose();
  });

  it('rejects a corrupt update and keeps serving the current model; a good update switches and keeps history', async () => {
    const db = `engine-${dbCounter++}`;
    const v2 = await tinyModel('https://cdn.test/tiny-v2/', 11);
    const corrupt = new Map(v2.bodies);
    const weightsUrl = 'https://cdn.test/tiny-v2/weights.bin';
    const broken = corrupt.get(weightsUrl)!.slice();
    broken[100] = broken[100]! ^ 0x55;
    corrupt.set(weightsUrl, broken);

    const e = new Engine({ createRuntime: DecoderRuntime.fromArtifacts, fetch: memoryFetch(new Map([...bodies, ...corrupt])) });
    const v1Status = await e.load(options(db));
    await e.record(events([1, 2]));
    const before = await e.recommend({ k: 5 });
    await expect(e.update(v2.manifestUrl)).rejects.toBeInstanceOf(ModelIntegrityError);
    expect((await e.status()).modelVersion).toBe(v1Status.modelVersion);
    expectSameRanking(before, await e.recommend({ k: 5 }));
    await e.dispose();

    const good = new Engine({
      createRuntime: DecoderRuntime.fromArtifacts,
      fetch: memoryFetch(new Map([...bodies, ...v2.bodies])),
    });
    await good.load(options(db));
    const updated = await good.update(v2.manifestUrl);
    expect(updated.modelVersion).not.toBe(v1Status.modelVersion);
    expect(updated.historyLength).toBe(2);
    expect((await good.recommend({ k: 3 })).items).toHaveLength(3);
    await good.dispose();
  });

  it('replaces the history and rebuilds the session from it', async () => {
    const e = engine();
    await e.load(options(`engine-${dbCounter++}`));
    await e.record(events([1, 2, 3, 4]));
    const replaced = await e.replaceHistory(events([1, 3]));
    expect(replaced).toEqual({ recorded: 2, tokensComputed: 2, path: 'prefill', sessionLength: 2 });
    expect((await e.history()).map((h) => h.itemId)).toEqual(['i1', 'i3']);
    const result = await e.recommend({ k: 38 }); // 40 items - 2 seen
    expect(result.items.map((i) => i.itemId)).toContain('i2');
    expect(result.items.map((i) => i.itemId)).not.toContain('i3');
    await e.dispose();
  });

  it('reports a cold start with no history instead of failing', async () => {
    const e = engine();
    await e.load(options(`engine-${dbCounter++}`));
    const result = await e.recommend({ k: 3 });
    expect(result).toMatchObject({ items: [], coldStart: true });
    await e.dispose();
  });
});
