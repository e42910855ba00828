/**
 * `createRecommender({ modelFiles })`: a model handed over in memory (the training page's) is verified,
 * stored and activated like a download without a single request; a later load of the same URL and
 * namespace runs the stored copy; a corrupt file is refused like a corrupt download.
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRecommender } from '../../../src/client/index.ts';
import { ModelIntegrityError } from '../../../src/errors/errors.ts';
import { memoryFetch } from '../../../src/store/memory-fetch.ts';
import { tinyModel } from '../../fixtures/engine/tiny-model.ts';

const realFetch = globalThis.fetch;
const requests: string[] = [];
let files: Record<string, Uint8Array>;
const MODEL_URL = 'https://app.test/trained/my-log/manifest.json';

beforeAll(async () => {
  await tf.setBackend('cpu');
  const model = await tinyModel('https://elsewhere.test/m/');
  files = Object.fromEntries([...model.bodies].map(([url, bytes]) => [url.slice('https://elsewhere.test/m/'.length), bytes]));
  // Every request is recorded and answered 404: the model must never come from the network.
  globalThis.fetch = (async (url: string) => {
    requests.push(String(url));
    return new Response(null, { status: 404 });
  }) as typeof fetch;
});
afterAll(() => {
  globalThis.fetch = realFetch;
});

describe('modelFiles', () => {
  it('installs an in-memory model with no request; later loads run the stored copy', async () => {
    const first = await createRecommender({
      modelUrl: MODEL_URL,
      modelFiles: files,
      engine: 'in-page',
      backend: 'cpu',
      databaseName: 'mf-1',
      namespace: 'my-log',
    });
    expect(requests).toEqual([]);
    expect(first.loaded).toMatchObject({ namespace: 'my-log', itemCount: 40, modelSource: 'network' });
    await first.record({ itemId: 'i2', outcome: 'love', time: 1_700_000_000 });
    expect((await first.recommend({ k: 3 })).items).toHaveLength(3);
    const version = first.loaded.modelVersion;
    await first.dispose();

    // Without the files: the URL answers 404, so the stored version runs.
    const again = await createRecommender({
      modelUrl: MODEL_URL,
      engine: 'in-page',
      backend: 'cpu',
      databaseName: 'mf-1',
      namespace: 'my-log',
    });
    expect(again.loaded).toMatchObject({ modelSource: 'storage', modelVersion: version });
    expect(requests).toEqual([MODEL_URL]);
    await again.dispose();
  });

  it('refuses a corrupt in-memory file like a corrupt download, storing nothing', async () => {
    const bad = { ...files, 'weights.bin': files['weights.bin']!.slice() };
    bad['weights.bin']![0]! ^= 0xff;
    await expect(
      createRecommender({ modelUrl: MODEL_URL, modelFiles: bad, engine: 'in-page', backend: 'cpu', databaseName: 'mf-2' }),
    ).rejects.toBeInstanceOf(ModelIntegrityError);
  });

  it('memoryFetch serves the files by URL, sends others to the fallback, else 404', async () => {
    const seen: string[] = [];
    const fetchLike = memoryFetch('https://a.test/x/manifest.json', { 'manifest.json': new Uint8Array([1, 2]) }, async (url) => {
      seen.push(url);
      return new Response('net');
    });
    expect(new Uint8Array(await (await fetchLike('https://a.test/x/manifest.json')).arrayBuffer())).toEqual(
      new Uint8Array([1, 2]),
    );
    expect(await (await fetchLike('https://a.test/x/other.bin')).text()).toBe('net');
    expect(seen).toEqual(['https://a.test/x/other.bin']);
    expect((await memoryFetch('https://a.test/x/manifest.json', {})('https://a.test/x/weights.bin')).status).toBe(404);
  });
});
