/** Issue 15 item 2: the runtime refuses a model whose weights or item embeddings hold NaN/Infinity (ModelFormatError). */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import { ModelFormatError } from '../../../src/errors/errors.ts';
import type { ModelManifest } from '../../../src/model/manifest.ts';
import { DecoderRuntime } from '../../../src/model/runtime.ts';
import { sha256Hex } from '../../../src/util/sha256.ts';
import { memoryFetch } from '../../fixtures/engine/synthetic-model.ts';
import { tinyModel } from '../../fixtures/engine/tiny-model.ts';

const BASE = 'https://cdn.test/nan/';

/** The tiny model with one float of `path` replaced (manifest size/sha256 updated: a well-formed but broken export). */
async function poisoned(path: string, value: number): Promise<Map<string, Uint8Array>> {
  const { bodies } = await tinyModel(BASE);
  const url = new URL(path, BASE).toString();
  const bytes = bodies.get(url)!.slice();
  new DataView(bytes.buffer).setFloat32(8, value, true);
  bodies.set(url, bytes);
  const manifestUrl = new URL('manifest.json', BASE).toString();
  const manifest = JSON.parse(new TextDecoder().decode(bodies.get(manifestUrl))) as ModelManifest;
  const entry = manifest.files.find((f) => f.path === path)!;
  entry.sha256 = await sha256Hex(bytes);
  bodies.set(manifestUrl, new TextEncoder().encode(JSON.stringify(manifest)));
  return bodies;
}

async function load(bodies: Map<string, Uint8Array>, db: string): Promise<unknown> {
  const engine = new Engine({ createRuntime: DecoderRuntime.fromArtifacts, fetch: memoryFetch(bodies) });
  try {
    await engine.load({ modelUrl: `${BASE}manifest.json`, backend: 'cpu', databaseName: db, namespace: 'x' });
    return null;
  } catch (error) {
    return error;
  } finally {
    await engine.dispose();
  }
}

describe('non-finite model values', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each([
    ['item-embeddings.bin', Number.NaN, 'nan-emb'],
    ['weights.bin', Number.POSITIVE_INFINITY, 'inf-weights'],
  ])('%s with %d is a ModelFormatError', async (path, value, db) => {
    const error = await load(await poisoned(path, value), db);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as Error).message).toMatch(/non-finite value/);
  });
});
