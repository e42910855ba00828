import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../src/engine/engine.ts';
import type { EngineLoadOptions } from '../../../src/engine/protocol.ts';
import { InvalidArgumentError } from '../../../src/errors/errors.ts';
import { DecoderRuntime } from '../../../src/model/runtime.ts';
import { memoryFetch } from '../../fixtures/engine/synthetic-model.ts';
import { tinyModel } from '../../fixtures/engine/tiny-model.ts';

let ranked: { bodies: Map<string, Uint8Array>; manifestUrl: string };
let plain: { bodies: Map<string, Uint8Array>; manifestUrl: string };
let db = 0;

beforeAll(async () => {
  await tf.setBackend('cpu');
  ranked = await tinyModel('https://cdn.test/ranked/', 7, 40, undefined, { ranking: true });
  plain = await tinyModel('https://cdn.test/plain/');
});

async function loaded(model: typeof ranked): Promise<Engine> {
  const engine = new Engine({ createRuntime: DecoderRuntime.fromArtifacts, fetch: memoryFetch(model.bodies) });
  const options: EngineLoadOptions = { modelUrl: model.manifestUrl, backend: 'cpu', databaseName: `rerank-${db++}` };
  await engine.load(options);
  await engine.record(
    [3, 8, 1, 12, 5].map((n, i) => ({
      itemId: `i${n}`,
      outcome: ['love', 'watch', 'dislike'][i % 3]!,
      time: 1_700_000_000 + i * 3600,
    })),
  );
  return engine;
}

describe('recommend({ rank }) re-ranks retrieved candidates with the ranking head', () => {
  it('orders the retrieved candidates by the objective and reports per-outcome probabilities', async () => {
    const engine = await loaded(ranked);
    expect((await engine.status()).rankingAvailable).toBe(true);
    const retrieval = await engine.recommend({ k: 20 });
    const byLove = await engine.recommend({ k: 5, rank: { candidates: 20, objective: 'love' } });
    expect(byLove.reranked).toEqual({ candidates: 20, objective: 'love' });
    expect(byLove.items).toHaveLength(5);
    const retrievedIds = retrieval.items.map((i) => i.itemId);
    for (const item of byLove.items) {
      const r = item.ranking!;
      expect(retrievedIds.indexOf(item.itemId)).toBe(r.retrievalRank);
      const total = r.noInteraction + Object.values(r.outcomes).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 5);
      expect(Object.values(r.ifInteracted).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(r.objective).toBeCloseTo(r.outcomes.love!, 6);
    }
    const objectives = byLove.items.map((i) => i.ranking!.objective);
    expect([...objectives].sort((a, b) => b - a)).toEqual(objectives);

    // The top 5 by p(love) over all 20 candidates: score all 20 and compare.
    const all = await engine.recommend({ k: 20, rank: { candidates: 20, objective: 'love' } });
    expect(all.items.slice(0, 5).map((i) => i.itemId)).toEqual(byLove.items.map((i) => i.itemId));
    expect(new Set(all.items.map((i) => i.itemId))).toEqual(new Set(retrievedIds));

    // Expected utility: w . p, and a different order than by one outcome.
    const weights = { love: 1, watch: 0.3, dislike: -1 };
    const utility = await engine.recommend({ k: 20, rank: { candidates: 20, objective: { utility: weights } } });
    for (const item of utility.items) {
      const p = item.ranking!.outcomes;
      expect(item.ranking!.objective).toBeCloseTo(p.love! - p.dislike! + 0.3 * p.watch!, 5);
    }
    // Scores come from the cached KV: re-ranking leaves the session (and plain retrieval) unchanged.
    const again = await engine.recommend({ k: 20 });
    expect(again.items.map((i) => i.itemId)).toEqual(retrievedIds);
    await engine.dispose();
  });

  it('keeps memory flat across re-ranking calls', async () => {
    const engine = await loaded(ranked);
    await engine.recommend({ k: 5, rank: { candidates: 30 } });
    const before = (await engine.memory()).numTensors;
    for (let i = 0; i < 5; i++) await engine.recommend({ k: 5, rank: { candidates: 30, objective: { utility: { love: 1 } } } });
    expect((await engine.memory()).numTensors).toBe(before);
    await engine.dispose();
  });

  it('rejects a model without a ranking head and bad rank requests with InvalidArgumentError', async () => {
    const engine = await loaded(plain);
    expect((await engine.status()).rankingAvailable).toBe(false);
    const noHead = await engine.recommend({ k: 5, rank: {} }).catch((e: unknown) => e);
    expect(noHead).toBeInstanceOf(InvalidArgumentError);
    expect((noHead as InvalidArgumentError).details).toMatchObject({ reason: 'no-ranking-head' });
    await engine.dispose();

    const withHead = await loaded(ranked);
    await expect(withHead.recommend({ k: 5, rank: { objective: 'adore' } })).rejects.toThrow(/adore/);
    await expect(withHead.recommend({ k: 5, rank: { candidates: 3 } })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(withHead.recommend({ k: 5, rank: { candidates: 5000 } })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(withHead.recommend({ k: 5, rank: { objective: { utility: { love: Number.NaN } } } })).rejects.toThrow(/finite/);
    // Still serving after the rejected requests.
    expect((await withHead.recommend({ k: 5, rank: {} })).items).toHaveLength(5);
    await withHead.dispose();
  });
});
