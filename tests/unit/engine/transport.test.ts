import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import type { Endpoint } from 'comlink';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWorkerEngine } from '../../../src/client/worker-engine.ts';
import type { LoadProgress } from '../../../src/engine/protocol.ts';
import { startEngineWorker } from '../../../src/engine/worker-entry.ts';
import {
  InvalidArgumentError,
  ModelIntegrityError,
  PocketrecError,
  UnknownItemError,
  WorkerCrashedError,
  deserializeError,
  serializeError,
} from '../../../src/errors/errors.ts';
import { memoryFetch } from '../../fixtures/engine/synthetic-model.ts';
import { tinyModel } from '../../fixtures/engine/tiny-model.ts';

const realFetch = globalThis.fetch;
let manifestUrl: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  const model = await tinyModel('https://cdn.test/transport/');
  manifestUrl = model.manifestUrl;
  const corrupt = await tinyModel('https://cdn.test/corrupt/', 3);
  const weights = corrupt.bodies.get('https://cdn.test/corrupt/weights.bin')!.slice();
  weights[0] = weights[0]! ^ 1;
  corrupt.bodies.set('https://cdn.test/corrupt/weights.bin', weights);
  const served = new Map([...model.bodies, ...corrupt.bodies]);
  globalThis.fetch = memoryFetch(served) as typeof fetch; // the engine behind the port uses the global fetch
});
afterAll(() => {
  globalThis.fetch = realFetch;
});

/** A MessageChannel standing in for a worker: the engine on port1, the client on port2. */
function channel() {
  const { port1, port2 } = new MessageChannel();
  startEngineWorker(port1 as unknown as Endpoint);
  const fakeWorker = Object.assign(port2, { terminate: () => port2.close() }) as unknown as Worker;
  return { client: connectWorkerEngine(fakeWorker), port1, port2 };
}

describe('errors across the worker boundary', () => {
  it('round-trips every error class with code, message and details', () => {
    const original = new UnknownItemError('nope', { itemIds: ['x', 'y'] });
    const back = deserializeError(JSON.parse(JSON.stringify(serializeError(original))));
    expect(back).toBeInstanceOf(UnknownItemError);
    expect(back).toBeInstanceOf(PocketrecError);
    expect(back.code).toBe('UNKNOWN_ITEM');
    expect((back as UnknownItemError).itemIds).toEqual(['x', 'y']);
  });

  it('keeps the class of errors thrown by the engine behind a comlink port, and proxies progress', async () => {
    const { client, port1 } = channel();
    const progress: LoadProgress[] = [];
    const status = await client.load({ modelUrl: manifestUrl, backend: 'cpu', databaseName: 'transport-1' }, (p) =>
      progress.push(p),
    );
    expect(status.itemCount).toBe(40);
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['download', 'verify', 'store', 'compile', 'ready']));

    const unknown = await client.record([{ itemId: 'missing-42', outcome: 'love' }]).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(UnknownItemError);
    expect((unknown as UnknownItemError).code).toBe('UNKNOWN_ITEM');
    expect((unknown as UnknownItemError).itemIds).toEqual(['missing-42']);
    expect((unknown as Error).message).toMatch(/not in model .* catalog/);

    await expect(client.recommend({ k: 0 })).rejects.toBeInstanceOf(InvalidArgumentError);
    const integrity = await client.update('https://cdn.test/corrupt/manifest.json').catch((e: unknown) => e);
    expect(integrity).toBeInstanceOf(ModelIntegrityError);
    expect((integrity as ModelIntegrityError).details.reason).toBe('hash-mismatch');

    const recorded = await client.record([{ itemId: 'i3', outcome: 'love', time: 1_700_000_000 }]);
    expect(recorded.tokensComputed).toBe(1);
    expect((await client.recommend({ k: 3 })).items).toHaveLength(3);
    await client.dispose();
    client.terminate();
    port1.close();
  });

  it('rejects pending and later calls with WorkerCrashedError when the worker dies', async () => {
    const { port1, port2 } = new MessageChannel();
    const fakeWorker = Object.assign(port2, { terminate: () => port2.close() }) as unknown as Worker;
    const client = connectWorkerEngine(fakeWorker); // nobody answers on port1
    const pending = client.status();
    port2.dispatchEvent(new MessageEvent('messageerror'));
    await expect(pending).rejects.toBeInstanceOf(WorkerCrashedError);
    await expect(client.history()).rejects.toBeInstanceOf(WorkerCrashedError);
    client.terminate();
    port1.close();
  });
});
