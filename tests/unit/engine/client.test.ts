import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import { openDB } from 'idb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRecommender } from '../../../src/client/index.ts';
import { Engine } from '../../../src/engine/engine.ts';
import { AbortError, DisposedError, InvalidArgumentError, NetworkError } from '../../../src/errors/errors.ts';
import { memoryFetch } from '../../fixtures/engine/synthetic-model.ts';
import { tinyModel } from '../../fixtures/engine/tiny-model.ts';

const realFetch = globalThis.fetch;
let manifestUrl: string;
const net = { offline: false, calls: [] as string[] };

beforeAll(async () => {
  await tf.setBackend('cpu');
  const model = await tinyModel('https://cdn.test/client/');
  manifestUrl = model.manifestUrl;
  const fetchBodies = memoryFetch(model.bodies, net);
  // A slow network: each response waits 20 ms, so an abort can land mid-download.
  globalThis.fetch = (async (url: string) => {
    await new Promise((r) => setTimeout(r, 20));
    return fetchBodies(url);
  }) as typeof fetch;
});
afterAll(() => {
  globalThis.fetch = realFetch;
});

describe('createRecommender (in-page engine)', () => {
  it('loads, records, recommends and reports status; calls after dispose reject with DisposedError', async () => {
    const phases: string[] = [];
    const recommender = await createRecommender({
      modelUrl: manifestUrl,
      engine: 'in-page',
      backend: 'cpu',
      databaseName: 'client-1',
      onProgress: (p) => phases.push(p.phase),
    });
    expect(phases[0]).toBe('download');
    expect(phases.at(-1)).toBe('ready');
    expect(recommender.loaded).toMatchObject({ backend: 'cpu', modelSource: 'network', namespace: 'default', itemCount: 40 });
    expect(recommender.loaded.storage.modelBytes).toBeGreaterThan(0);
    await recommender.record({ itemId: 'i2', outcome: 'love', time: 1_700_000_000 });
    expect((await recommender.recommend({ k: 4 })).items).toHaveLength(4);
    await recommender.dispose();
    await expect(recommender.recommend()).rejects.toBeInstanceOf(DisposedError);
  });

  it('aborts a load with AbortError and activates nothing', async () => {
    const controller = new AbortController();
    // The engine's dispose (called on abort) runs after its load has unwound: both go through one
    // queue. Awaiting it, not a guessed number of milliseconds, gives an abort that was ignored the
    // time to store and activate, so that such a bug fails here.
    const disposals: Promise<void>[] = [];
    const dispose = Engine.prototype.dispose;
    const spy = vi.spyOn(Engine.prototype, 'dispose').mockImplementation(function (this: Engine) {
      const done = dispose.call(this);
      disposals.push(done);
      return done;
    });
    try {
      const pending = createRecommender({
        modelUrl: manifestUrl,
        engine: 'in-page',
        backend: 'cpu',
        databaseName: 'client-2',
        signal: controller.signal,
        // Abort at a known point (the download starting), not after a guessed number of milliseconds.
        onProgress: (p) => {
          if (p.phase === 'download') controller.abort();
        },
      });
      await expect(pending).rejects.toBeInstanceOf(AbortError);
      expect(disposals).toHaveLength(1);
      await Promise.allSettled(disposals);
    } finally {
      spy.mockRestore();
    }
    const db = await openDB('client-2');
    expect(await db.getAll('active')).toEqual([]);
    expect(await db.count('chunks')).toBe(0);
    db.close();
  });

  it('rejects bad options and an unreachable model with typed errors', async () => {
    await expect(createRecommender({ modelUrl: '' })).rejects.toBeInstanceOf(InvalidArgumentError);
    net.offline = true;
    try {
      await expect(
        createRecommender({ modelUrl: manifestUrl, engine: 'in-page', backend: 'cpu', databaseName: 'client-3' }),
      ).rejects.toBeInstanceOf(NetworkError);
    } finally {
      net.offline = false;
    }
  });
});
