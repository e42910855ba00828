import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import {
  ModelFormatError,
  ModelIntegrityError,
  NetworkError,
  QuotaExceededError,
  StorageBlockedError,
} from '../../../src/errors/errors.ts';
import { openDatabase } from '../../../src/store/database.ts';
import type { LoadProgress } from '../../../src/engine/protocol.ts';
import { loadModel, type LoadedModel, type LoadModelOptions } from '../../../src/store/loader.ts';
import { ModelStore } from '../../../src/store/model-store.ts';
import { memoryFetch, syntheticModel } from '../../fixtures/engine/synthetic-model.ts';

let dbCounter = 0;

/** loadModel with a pass-through prepare step: returns what was loaded. */
async function load(options: Omit<LoadModelOptions<LoadedModel>, 'prepare' | 'release'>): Promise<LoadedModel> {
  return (await loadModel({ ...options, prepare: async (loaded) => loaded, release: () => undefined })).loaded;
}
async function freshStore(namespace = 'app') {
  const db = await openDatabase({ name: `test-${dbCounter++}` });
  return new ModelStore(db, namespace);
}

describe('loadModel', () => {
  it('downloads, verifies, stores and activates; the second load comes from storage with the network off', async () => {
    const store = await freshStore();
    const model = await syntheticModel('https://cdn.test/m/', 'v1');
    const state = { offline: false, calls: [] as string[] };
    const phases: LoadProgress[] = [];
    const first = await load({
      manifestUrl: model.manifestUrl,
      store,
      fetch: memoryFetch(model.bodies, state),
      onProgress: (p) => phases.push(p),
    });
    expect(first.source).toBe('network');
    expect(first.catalog.itemIds).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    const total = model.manifest.files.reduce((s, f) => s + f.bytes, 0);
    const downloads = phases.filter((p) => p.phase === 'download');
    expect(downloads.at(-1)).toEqual({ phase: 'download', loadedBytes: total, totalBytes: total });
    expect(phases.map((p) => p.phase)).toContain('verify');
    expect((await store.activeRecord())?.manifest.modelVersion).toBe('v1');

    state.offline = true;
    const second = await load({ manifestUrl: model.manifestUrl, store, fetch: memoryFetch(model.bodies, state) });
    expect(second.source).toBe('storage');
    for (const entry of model.manifest.files) {
      expect(new Uint8Array(second.files.get(entry.role)!)).toEqual(
        model.bodies.get(new URL(entry.path, 'https://cdn.test/m/').toString()),
      );
    }
  });

  it('stores files larger than one chunk in several chunks and reads them back byte-exact', async () => {
    const db = await openDatabase({ name: `test-${dbCounter++}` });
    const store = new ModelStore(db, 'app', 256);
    const model = await syntheticModel('https://cdn.test/big/', 'big', 5, 256 * 2 + 123);
    await load({ manifestUrl: model.manifestUrl, store, fetch: memoryFetch(model.bodies) });
    const count = await store.db.count('chunks');
    expect(count).toBe(3 + 1 + 1); // weights in 3 chunks, items and catalog in 1 each
    const read = await store.readActive();
    expect(new Uint8Array(read!.files.get('weights')!)).toEqual(model.bodies.get('https://cdn.test/big/weights.bin'));
  });

  it('rejects a corrupt file and a cut-off download with ModelIntegrityError and keeps v1 active', async () => {
    const store = await freshStore();
    const v1 = await syntheticModel('https://cdn.test/v1/', 'v1');
    await load({ manifestUrl: v1.manifestUrl, store, fetch: memoryFetch(v1.bodies) });
    await store.appendHistory([{ itemId: 'm2', outcome: 'love', time: 100 }]);

    const corrupt = await syntheticModel('https://cdn.test/v2/', 'v2', 5, 1000, 7);
    const weights = corrupt.bodies.get('https://cdn.test/v2/weights.bin')!;
    weights[10] = weights[10]! ^ 0xff;
    const error = await load({ manifestUrl: corrupt.manifestUrl, store, fetch: memoryFetch(corrupt.bodies) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelIntegrityError);
    expect((error as ModelIntegrityError).details.reason).toBe('hash-mismatch');

    const cut = await syntheticModel('https://cdn.test/v3/', 'v3', 5, 1000, 9);
    cut.bodies.set('https://cdn.test/v3/weights.bin', cut.bodies.get('https://cdn.test/v3/weights.bin')!.slice(0, 400));
    const cutError = await load({ manifestUrl: cut.manifestUrl, store, fetch: memoryFetch(cut.bodies) }).catch((e: unknown) => e);
    expect(cutError).toBeInstanceOf(ModelIntegrityError);
    expect((cutError as ModelIntegrityError).details).toMatchObject({
      reason: 'truncated',
      expectedBytes: 1000,
      actualBytes: 400,
    });

    expect((await store.activeRecord())?.manifest.modelVersion).toBe('v1');
    expect((await store.db.getAll('manifests')).map((r) => r.manifest.modelVersion)).toEqual(['v1']);
    expect(await store.readHistory()).toEqual([{ itemId: 'm2', outcome: 'love', time: 100 }]);
  });

  it('never activates a version whose runtime cannot be built; the staged files are removed', async () => {
    const store = await freshStore();
    const v1 = await syntheticModel('https://cdn.test/p1/', 'v1');
    await load({ manifestUrl: v1.manifestUrl, store, fetch: memoryFetch(v1.bodies) });
    const v2 = await syntheticModel('https://cdn.test/p2/', 'v2', 5, 1000, 3);
    const error = await loadModel({
      manifestUrl: v2.manifestUrl,
      store,
      fetch: memoryFetch(v2.bodies),
      prepare: async () => {
        throw new ModelFormatError('cannot build');
      },
      release: () => undefined,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((await store.activeRecord())?.manifest.modelVersion).toBe('v1');
    expect((await store.db.getAll('manifests')).map((r) => r.manifest.modelVersion)).toEqual(['v1']);
    expect(await store.db.count('chunks')).toBe(3);
  });

  it('turns a storage-full DOMException into QuotaExceededError, removes the staged chunks and keeps v1 active', async () => {
    const store = await freshStore();
    const v1 = await syntheticModel('https://cdn.test/q1/', 'v1');
    await load({ manifestUrl: v1.manifestUrl, store, fetch: memoryFetch(v1.bodies) });
    const chunksBefore = await store.db.count('chunks');

    const v2 = await syntheticModel('https://cdn.test/q2/', 'v2', 5, 1000, 3);
    const realPut = IDBObjectStore.prototype.put;
    let puts = 0;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'chunks' && ++puts === 2) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return realPut.apply(this, args);
    };
    let error: unknown;
    try {
      error = await load({ manifestUrl: v2.manifestUrl, store, fetch: memoryFetch(v2.bodies) }).catch((e: unknown) => e);
    } finally {
      IDBObjectStore.prototype.put = realPut;
    }
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((error as Error).message).toMatch(/previous model stays active/);
    expect((await store.activeRecord())?.manifest.modelVersion).toBe('v1');
    expect(await store.db.count('chunks')).toBe(chunksBefore);
    expect((await store.db.getAll('manifests')).map((r) => r.manifest.modelVersion)).not.toContain('v2');
  });

  it('activates a new version atomically and garbage-collects the old one; history survives', async () => {
    const store = await freshStore();
    const v1 = await syntheticModel('https://cdn.test/g/', 'v1');
    await load({ manifestUrl: v1.manifestUrl, store, fetch: memoryFetch(v1.bodies) });
    await store.appendHistory([
      { itemId: 'm1', outcome: 'watch', time: 1 },
      { itemId: 'm3', outcome: 'love', time: 2 },
    ]);
    const v2 = await syntheticModel('https://cdn.test/g/', 'v2', 5, 800, 5);
    const loaded = await load({ manifestUrl: v2.manifestUrl, store, fetch: memoryFetch(v2.bodies) });
    expect(loaded.source).toBe('network');
    expect((await store.activeRecord())?.manifest.modelVersion).toBe('v2');
    expect((await store.db.getAll('manifests')).map((r) => r.manifest.modelVersion)).toEqual(['v2']);
    expect(await store.db.count('chunks')).toBe(3);
    expect((await store.readHistory()).map((e) => e.itemId)).toEqual(['m1', 'm3']);
  });

  it('keeps namespaces apart', async () => {
    const db = await openDatabase({ name: `test-${dbCounter++}` });
    const a = new ModelStore(db, 'a');
    const b = new ModelStore(db, 'b');
    const ma = await syntheticModel('https://cdn.test/a/', 'va');
    const mb = await syntheticModel('https://cdn.test/b/', 'vb', 7);
    await load({ manifestUrl: ma.manifestUrl, store: a, fetch: memoryFetch(ma.bodies) });
    await load({ manifestUrl: mb.manifestUrl, store: b, fetch: memoryFetch(mb.bodies) });
    await a.appendHistory([{ itemId: 'm1', outcome: 'love', time: 1 }]);
    expect((await a.activeRecord())?.manifest.modelVersion).toBe('va');
    expect((await b.activeRecord())?.manifest.modelVersion).toBe('vb');
    expect(await b.readHistory()).toEqual([]);
    await a.clearHistory();
    expect(await a.readHistory()).toEqual([]);
  });

  it('downloads again when the browser evicted stored chunks, and says so when offline with nothing stored', async () => {
    const store = await freshStore();
    const model = await syntheticModel('https://cdn.test/e/', 'v1');
    await load({ manifestUrl: model.manifestUrl, store, fetch: memoryFetch(model.bodies) });
    await store.db.clear('chunks');
    const state = { calls: [] as string[] };
    const again = await load({ manifestUrl: model.manifestUrl, store, fetch: memoryFetch(model.bodies, state) });
    expect(again.source).toBe('network');
    expect(state.calls).toContain('https://cdn.test/e/weights.bin');

    const empty = await freshStore();
    const error = await load({
      manifestUrl: model.manifestUrl,
      store: empty,
      fetch: memoryFetch(model.bodies, { offline: true }),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toMatch(/cannot run offline/);
  });

  it('rejects a manifest of another format with ModelFormatError', async () => {
    const store = await freshStore();
    const bodies = new Map([['https://cdn.test/x/manifest.json', new TextEncoder().encode('{"format":"something-else"}')]]);
    await expect(
      load({ manifestUrl: 'https://cdn.test/x/manifest.json', store, fetch: memoryFetch(bodies) }),
    ).rejects.toBeInstanceOf(ModelFormatError);
  });

  it('rejects with StorageBlockedError instead of hanging when an old tab will not close', async () => {
    const name = `test-${dbCounter++}`;
    const oldTab = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(name, 1);
      request.onsuccess = () => resolve(request.result); // no onversionchange: it never lets go
      request.onerror = () => reject(request.error);
    });
    const error = await openDatabase({ name, version: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageBlockedError);
    expect((error as StorageBlockedError).message).toMatch(/Close or reload the other tabs/);
    oldTab.close();
  });

  it('closes its connection and tells its owner when another tab upgrades the database', async () => {
    const name = `test-${dbCounter++}`;
    const events: string[] = [];
    await openDatabase({ name, onClosed: () => events.push('closed') });
    const newer = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open(name, 99);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    expect(newer.version).toBe(99);
    expect(events).toEqual(['closed']);
    newer.close();
    // This tab's code is now older than the database: reopening says "reload", typed.
    const stale = await openDatabase({ name }).catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(StorageBlockedError);
    expect((stale as Error).message).toMatch(/Reload the page/);
  });
});
