/**
 * On-device re-ranking through the public API, engine in a worker (and in the page): a model with a
 * ranking head re-ranks the retrieved candidates from the session's KV cache and returns per-outcome
 * probabilities; the worker and in-page engines agree; a model without one rejects `rank` with a typed
 * InvalidArgumentError that survives the worker boundary; memory stays flat.
 */
import { expect, test } from '@playwright/test';
import { openEnginePage, serveModels, servedTinyModel, type ServedModel } from './engine-fixtures.ts';

let ranked: ServedModel;
let plain: ServedModel;

test.beforeAll(async () => {
  ranked = await servedTinyModel('ranked', 5, undefined, { ranking: true });
  plain = await servedTinyModel('plain', 6);
});

const events = [
  { itemId: 'i3', outcome: 'love', time: 1_700_000_000 },
  { itemId: 'i9', outcome: 'watch', time: 1_700_003_600 },
  { itemId: 'i14', outcome: 'dislike', time: 1_700_007_200 },
  { itemId: 'i21', outcome: 'love', time: 1_700_010_800 },
];
const UTILITY = { k: 8, rank: { candidates: 30, objective: { utility: { love: 1, watch: 0.3, dislike: -1 } } } };

test('recommend({ rank }) in the worker re-ranks with per-outcome probabilities, like the in-page engine', async ({
  page,
  context,
}) => {
  await serveModels(context, [ranked, plain], { offline: false, requests: [] });
  await openEnginePage(page);
  const created = await page.evaluate(() =>
    window.engineTest.create('w', { modelUrl: '/test-models/ranked/manifest.json', namespace: 'rank-w', backend: 'wasm' }),
  );
  expect(created.ok, JSON.stringify(created)).toBe(true);
  expect(created.ok && created.value.status.rankingAvailable).toBe(true);
  await page.evaluate((e) => window.engineTest.call('w', 'record', e), events);

  const retrieval = await page.evaluate(() => window.engineTest.call('w', 'recommend', { k: 30 }));
  const result = await page.evaluate((r) => window.engineTest.call('w', 'recommend', r), UTILITY);
  if (!retrieval.ok || !result.ok) throw new Error(JSON.stringify(result));
  expect(result.value.reranked).toEqual({ candidates: 30, objective: UTILITY.rank.objective });
  expect(result.value.items).toHaveLength(8);
  const retrievedIds = retrieval.value.items.map((i) => i.itemId);
  let previous = Infinity;
  for (const item of result.value.items) {
    const r = item.ranking!;
    expect(retrievedIds[r.retrievalRank]).toBe(item.itemId);
    const p = r.outcomes;
    expect(r.noInteraction + p.love! + p.watch! + p.dislike!).toBeCloseTo(1, 4);
    expect(r.objective).toBeCloseTo(p.love! + 0.3 * p.watch! - p.dislike!, 4);
    expect(r.objective).toBeLessThanOrEqual(previous);
    previous = r.objective;
  }

  // The same request on an in-page engine (its own namespace, same events) gives the same order.
  const inPage = await page.evaluate(() =>
    window.engineTest.create('p', {
      modelUrl: '/test-models/ranked/manifest.json',
      namespace: 'rank-p',
      backend: 'wasm',
      engine: 'in-page',
    }),
  );
  expect(inPage.ok, JSON.stringify(inPage)).toBe(true);
  await page.evaluate((e) => window.engineTest.call('p', 'record', e), events);
  const same = await page.evaluate((r) => window.engineTest.call('p', 'recommend', r), UTILITY);
  expect(same.ok && same.value.items.map((i) => i.itemId)).toEqual(result.value.items.map((i) => i.itemId));

  // Memory in the worker stays flat across re-ranking calls.
  const run = await page.evaluate((r) => window.engineTest.recommendMany('w', 20, r), UTILITY);
  expect(run.ok, JSON.stringify(run)).toBe(true);
  if (run.ok) expect(run.value.after.numTensors).toBe(run.value.before.numTensors);

  // A model without a ranking head: a typed error across the worker boundary.
  const noHead = await page.evaluate(() =>
    window.engineTest.create('n', { modelUrl: '/test-models/plain/manifest.json', namespace: 'rank-n', backend: 'wasm' }),
  );
  expect(noHead.ok && noHead.value.status.rankingAvailable).toBe(false);
  await page.evaluate((e) => window.engineTest.call('n', 'record', e), events);
  const refused = await page.evaluate(() => window.engineTest.call('n', 'recommend', { k: 5, rank: { candidates: 20 } }));
  expect(refused.ok).toBe(false);
  if (!refused.ok) {
    expect(refused.error).toMatchObject({ className: 'InvalidArgumentError', code: 'INVALID_ARGUMENT' });
    expect(refused.error.details).toMatchObject({ reason: 'no-ranking-head' });
  }
});
