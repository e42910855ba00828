/**
 * The demo's `DemoEngine` on top of the public client API: one `createRecommender` call (the engine
 * runs in a worker), plus the mapping from the engine's wire types to the demo's cards.
 */
import { createRecommender, type CatalogItem, type EngineStatus, type LoadProgress } from '../client/index.ts';
import type { DemoEngine, DemoItem, DemoStatus } from './engine-port.ts';

/** How many history items each recommendation's "why" lists. */
const EXPLAIN = 2;

function toDemoItem(item: CatalogItem): DemoItem {
  return {
    id: item.itemId,
    title: item.title ?? item.itemId,
    ...(item.year ? { year: item.year } : {}),
    genres: item.genres ?? [],
    ...(item.sid ? { sid: item.sid } : {}),
    popularity: item.popularity ?? 0,
  };
}

function toDemoStatus(status: EngineStatus): DemoStatus {
  const adapter = status.adapter ? `${status.adapter.vendor} ${status.adapter.architecture}`.trim() : undefined;
  return {
    backend: status.backend,
    ...(adapter && status.backend === 'webgpu' ? { adapter } : {}),
    ...(status.fallback ? { fallbackReason: status.fallback.reason } : {}),
    modelVersion: status.modelVersion,
    itemCount: status.itemCount,
  };
}

/** Loads the model at `modelUrl` (from IndexedDB when it is already stored) and adapts it for the UI. */
export async function connectDemo(modelUrl: string, onProgress: (progress: LoadProgress) => void): Promise<DemoEngine> {
  const recommender = await createRecommender({ modelUrl, namespace: 'demo', onProgress });
  const [status, catalog] = await Promise.all([recommender.status(), recommender.catalog()]);
  const codebookSize = Math.max(1, ...catalog.flatMap((item) => item.sid ?? []).map((code) => code + 1));
  return {
    catalog: catalog.map(toDemoItem),
    outcomes: status.outcomes,
    horizons: status.horizons,
    codebookSize,
    sidAvailable: status.sidAvailable,
    attribution: status.dataset.attribution ?? `Model trained on ${status.dataset.name}.`,
    status: async () => toDemoStatus(await recommender.status()),
    history: async () => (await recommender.history()).map((e) => ({ itemId: e.itemId, outcome: e.outcome, time: e.time })),
    record: async (itemId, outcome) => {
      await recommender.record({ itemId, outcome, time: Math.floor(Date.now() / 1000) });
    },
    replaceHistory: async (events) => {
      await recommender.replaceHistory(events);
    },
    recommend: async (request) => {
      const started = performance.now();
      const result = await recommender.recommend({
        k: request.k,
        outcomeBudget: request.outcomeBudget,
        horizon: request.horizon,
        mode: request.mode,
        excludeSeen: true,
        explain: EXPLAIN,
      });
      // The latency shown is the whole call as the page sees it (worker round trip included).
      const millis = performance.now() - started;
      return {
        millis,
        items: result.items.map((item) => ({
          itemId: item.itemId,
          score: item.score,
          outcome: item.outcome,
          horizon: item.horizon,
          closestHistory: item.closestHistory ?? [],
        })),
      };
    },
    deleteEverything: () => recommender.deleteStorage(),
  };
}
