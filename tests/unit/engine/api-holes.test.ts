/**
 * Smaller API holes found by probing (issue 15, item 8): request and event values that used to end in
 * `InternalError`, be stored as nonsense, block the engine, or report figures the session does not
 * hold; and a history cleared under the engine's feet (site data cleared mid-session).
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import { MAX_BEAM_WIDTH, MAX_EXPLAIN } from '../../../src/engine/recommend.ts';
import { InvalidArgumentError } from '../../../src/errors/errors.ts';
import { DecoderRuntime } from '../../../src/model/runtime.ts';
import { memoryFetch } from '../../fixtures/engine/synthetic-model.ts';
import { tinyModel } from '../../fixtures/engine/tiny-model.ts';

let bodies: Map<string, Uint8Array>;
let manifestUrl: string;
let dbCounter = 0;
const TINY_MAX_LEN = 24; // tests/fixtures/engine/tiny-model.ts

beforeAll(async () => {
  await tf.setBackend('cpu');
  ({ bodies, manifestUrl } = await tinyModel('https://cdn.test/holes/'));
});

async function loaded(databaseName = `holes-${dbCounter++}`): Promise<Engine> {
  const e = new Engine({ createRuntime: DecoderRuntime.fromArtifacts, fetch: memoryFetch(bodies) });
  await e.load({ modelUrl: manifestUrl, backend: 'cpu', databaseName, namespace: 'holes' });
  return e;
}
const events = (ids: number[], t0 = 1_700_000_000) =>
  ids.map((n, i) => ({ itemId: `i${n}`, outcome: ['love', 'watch', 'dislike'][i % 3]!, time: t0 + i * 60 }));

describe('request values', () => {
  it('rejects a beamWidth that is not an integer in 1..MAX_BEAM_WIDTH with InvalidArgumentError', async () => {
    const e = await loaded();
    await e.record(events([1, 2, 3]));
    for (const beamWidth of [Number.NaN, 0, -3, 2.5, 1e9, MAX_BEAM_WIDTH + 1]) {
      const error = await e.recommend({ k: 3, mode: 'sid', beamWidth }).catch((x: unknown) => x);
      expect(error, `beamWidth ${beamWidth}`).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/beamWidth/);
    }
    expect((await e.recommend({ k: 3, mode: 'sid', beamWidth: MAX_BEAM_WIDTH })).items).toHaveLength(3);
    await e.dispose();
  });

  it('rejects an explain count that is not an integer in 0..MAX_EXPLAIN with InvalidArgumentError', async () => {
    const e = await loaded();
    await e.record(events([1, 2, 3]));
    for (const explain of [2.5, -1, Number.NaN, MAX_EXPLAIN + 1]) {
      const error = await e.recommend({ k: 3, explain }).catch((x: unknown) => x);
      expect(error, `explain ${explain}`).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/explain/);
    }
    expect((await e.recommend({ k: 3, explain: 2 })).items[0]!.closestHistory).toHaveLength(2);
    await e.dispose();
  });
});

describe('event values', () => {
  it('rejects event times that are not unix seconds (null, strings, absurd numbers) and records nothing', async () => {
    const e = await loaded();
    await e.record(events([1]));
    const bad: unknown[] = [null, '123', 1e300, -5, Number.POSITIVE_INFINITY, 1_700_000_000_000 /* milliseconds */];
    for (const time of bad) {
      const error = await e
        .record([
          { itemId: 'i2', outcome: 'love', time: 1_700_000_000 },
          { itemId: 'i3', outcome: 'love', time: time as number },
        ])
        .catch((x: unknown) => x);
      expect(error, `time ${String(time)}`).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/Nothing was recorded/);
    }
    await expect(e.record([null as never])).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(await e.history()).toHaveLength(1);
    expect((await e.status()).historyLength).toBe(1);
    await e.dispose();
  });

  it('a first record longer than maxLen reports the tokens the session really computed', async () => {
    const e = await loaded();
    const long = events(Array.from({ length: TINY_MAX_LEN + 30 }, (_, i) => (i % 40) + 1));
    const result = await e.record(long);
    expect(result.recorded).toBe(TINY_MAX_LEN + 30);
    expect(result.sessionLength).toBe(TINY_MAX_LEN);
    expect(result.tokensComputed).toBe(TINY_MAX_LEN);
    expect((await e.status()).historyLength).toBe(TINY_MAX_LEN + 30);
    await e.dispose();
  });
});

describe('site data cleared mid-session', () => {
  it('status and the session follow the cleared storage instead of the events they held', async () => {
    const databaseName = `holes-${dbCounter++}`;
    const e = await loaded(databaseName);
    await e.record(events([1, 2, 3]));
    expect((await e.recommend({ k: 3 })).coldStart).toBe(false);
    // The user clears the site's data (the browser deletes the database under the open connection).
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.deleteDatabase(databaseName);
      request.onsuccess = () => resolve();
      request.onerror = () => reject(request.error);
    });
    const status = await e.status();
    expect(status.historyLength).toBe(0);
    expect(await e.history()).toEqual([]);
    const after = await e.recommend({ k: 3 });
    expect(after.coldStart).toBe(true);
    // Recording starts a new history from scratch.
    expect(await e.record(events([4]))).toMatchObject({ recorded: 1, sessionLength: 1 });
    expect((await e.status()).historyLength).toBe(1);
    await e.dispose();
  });
});
