/**
 * `record` and `replaceHistory` are all or nothing (issue 15, item 3): when the session cannot be
 * extended nothing is stored, and when storing fails the session is rolled back, so a retry never
 * duplicates events and the session never runs events the store lacks.
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import type { RecommenderRuntime } from '../../../src/engine/runtime-port.ts';
import { QuotaExceededError } from '../../../src/errors/errors.ts';
import { DecoderRuntime } from '../../../src/model/runtime.ts';
import { memoryFetch } from '../../fixtures/engine/synthetic-model.ts';
import { tinyModel } from '../../fixtures/engine/tiny-model.ts';

let bodies: Map<string, Uint8Array>;
let manifestUrl: string;
let dbCounter = 0;

beforeAll(async () => {
  await tf.setBackend('cpu');
  ({ bodies, manifestUrl } = await tinyModel('https://cdn.test/atomic/'));
});

const events = (ids: number[], t0 = 1_700_000_000) =>
  ids.map((n, i) => ({ itemId: `i${n}`, outcome: ['love', 'watch', 'dislike'][i % 3]!, time: t0 + i * 60 }));

/** An engine whose runtime can be told to fail the next append/prefill (a device or memory failure). */
async function engineWithFaults() {
  const faults = { failNext: false };
  const createRuntime = (
    manifest: Parameters<typeof DecoderRuntime.fromArtifacts>[0],
    files: Parameters<typeof DecoderRuntime.fromArtifacts>[1],
  ) => {
    const runtime = DecoderRuntime.fromArtifacts(manifest, files);
    const guard =
      <A extends unknown[], R>(fn: (...args: A) => R) =>
      (...args: A): R => {
        if (faults.failNext) {
          faults.failNext = false;
          throw new RangeError('Maximum call stack size exceeded');
        }
        return fn(...args);
      };
    const wrapped: RecommenderRuntime = Object.create(runtime) as RecommenderRuntime;
    Object.assign(wrapped, {
      prefill: guard(runtime.prefill.bind(runtime)),
      append: guard(runtime.append.bind(runtime)),
    });
    return wrapped;
  };
  const engine = new Engine({ createRuntime, fetch: memoryFetch(bodies) });
  await engine.load({ modelUrl: manifestUrl, backend: 'cpu', databaseName: `atomic-${dbCounter++}`, namespace: 'a' });
  return { engine, faults };
}

describe('record is all or nothing', () => {
  it('stores nothing when the session cannot take the events', async () => {
    const { engine, faults } = await engineWithFaults();
    await engine.record(events([1, 2, 3]));
    const before = await engine.recommend({ k: 5 });
    faults.failNext = true;
    await expect(engine.record(events([4, 5]))).rejects.toThrow();
    expect((await engine.history()).map((e) => e.itemId)).toEqual(['i1', 'i2', 'i3']);
    expect((await engine.status()).historyLength).toBe(3);
    expect((await engine.recommend({ k: 5 })).items.map((i) => i.itemId)).toEqual(before.items.map((i) => i.itemId));
    // A retry records the events once.
    expect(await engine.record(events([4, 5]))).toMatchObject({ recorded: 2, sessionLength: 5 });
    expect((await engine.history()).map((e) => e.itemId)).toEqual(['i1', 'i2', 'i3', 'i4', 'i5']);
    await engine.dispose();
  });

  it('rolls the session back when storing fails (quota)', async () => {
    const { engine } = await engineWithFaults();
    await engine.record(events([1, 2, 3]));
    const before = await engine.recommend({ k: 5 });
    const realAdd = IDBObjectStore.prototype.add;
    let adds = 0; // the second add of the batch fails: the first must not be stored either
    IDBObjectStore.prototype.add = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['add']>) {
      if (this.name === 'history' && ++adds === 2) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return realAdd.apply(this, args);
    };
    let error: unknown;
    try {
      error = await engine.record(events([7, 8])).catch((e: unknown) => e);
    } finally {
      IDBObjectStore.prototype.add = realAdd;
    }
    expect(error).toBeInstanceOf(QuotaExceededError);
    expect((await engine.status()).historyLength).toBe(3);
    expect(await engine.history()).toHaveLength(3);
    const after = await engine.recommend({ k: 5 });
    expect(after.items.map((i) => i.itemId)).toEqual(before.items.map((i) => i.itemId));
    after.items.forEach((item, j) => expect(Math.abs(item.score - before.items[j]!.score)).toBeLessThan(1e-5));
    expect(await engine.record(events([7]))).toMatchObject({ recorded: 1, sessionLength: 4 });
    await engine.dispose();
  });

  it('replaceHistory keeps the old history and session when the new session cannot be built', async () => {
    const { engine, faults } = await engineWithFaults();
    await engine.record(events([1, 2, 3]));
    faults.failNext = true;
    await expect(engine.replaceHistory(events([9, 10]))).rejects.toThrow();
    expect((await engine.history()).map((e) => e.itemId)).toEqual(['i1', 'i2', 'i3']);
    expect((await engine.status()).historyLength).toBe(3);
    expect((await engine.recommend({ k: 3 })).coldStart).toBe(false);
    await engine.dispose();
  });
});
