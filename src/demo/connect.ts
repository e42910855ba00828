/**
 * The demo's `DemoEngine` on top of the public client API: one `createRecommender` call (the engine
 * runs in a worker), plus the mapping from the engine's wire types to the demo's cards.
 *
 * One outcome per film: rating a film that is already in the history replaces its event through
 * `replaceHistory` (the importers' one-(user, item) rule); a first rating uses `record`, which extends
 * the model's KV cache instead of rebuilding the session.
 */
import {
  createRecommender,
  type BackendPreference,
  type CatalogItem,
  type EngineStatus,
  type LoadProgress,
  type RecordedEvent,
  type RecordEvent,
} from '../client/index.ts';
import type { DemoEngine, DemoEvent, DemoItem, DemoStatus } from './engine-port.ts';
import { displayTitle } from './titles.ts';
import { demoUtility } from './prediction.ts';

/** How many history items each recommendation's "why" lists. */
const EXPLAIN = 2;

function toDemoItem(item: CatalogItem): DemoItem {
  const rawTitle = item.title ?? item.itemId;
  return {
    id: item.itemId,
    title: displayTitle(rawTitle),
    rawTitle,
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
    requestedBackend: status.requestedBackend,
    ...(adapter ? { adapter } : {}),
    softwareAdapter: status.adapter?.isFallbackAdapter ?? false,
    ...(status.fallback ? { fallback: { code: String(status.fallback.code), reason: status.fallback.reason } } : {}),
    modelSource: status.modelSource,
    modelVersion: status.modelVersion,
    itemCount: status.itemCount,
  };
}

/** One event per film, the latest kept (histories stored before re-rating replaced may repeat a film). */
export function latestPerItem<E extends { itemId: string }>(events: readonly E[]): E[] {
  const last = new Map<string, number>();
  events.forEach((event, index) => last.set(event.itemId, index));
  return events.filter((event, index) => last.get(event.itemId) === index);
}

/** A stored event as `replaceHistory` takes it back (an unknown time, NaN, is left out). */
function toRecord(event: RecordedEvent): RecordEvent {
  return Number.isFinite(event.time)
    ? { itemId: event.itemId, outcome: event.outcome, time: event.time }
    : { itemId: event.itemId, outcome: event.outcome };
}

function toEvent(event: RecordedEvent): DemoEvent {
  return { itemId: event.itemId, outcome: event.outcome, time: event.time };
}

/** What `connectDemo` needs. */
export interface ConnectOptions {
  modelUrl: string;
  backend: BackendPreference;
  onProgress: (progress: LoadProgress) => void;
}

/** Loads the model (from IndexedDB when it is already stored) and adapts it for the UI. */
export async function connectDemo(options: ConnectOptions): Promise<DemoEngine> {
  const recommender = await createRecommender({
    modelUrl: options.modelUrl,
    backend: options.backend,
    namespace: 'demo',
    onProgress: options.onProgress,
  });
  const [status, catalog] = await Promise.all([recommender.status(), recommender.catalog()]);
  const codebookSize = Math.max(1, ...catalog.flatMap((item) => item.sid ?? []).map((code) => code + 1));
  const now = (): number => Math.floor(Date.now() / 1000);
  const stored = async (): Promise<RecordedEvent[]> => recommender.history();
  // A history from before one-outcome-per-film is made to follow the rule once, at start.
  const initial = await stored();
  if (latestPerItem(initial).length !== initial.length) await recommender.replaceHistory(latestPerItem(initial).map(toRecord));
  return {
    catalog: catalog.map(toDemoItem),
    outcomes: status.outcomes,
    horizons: status.horizons,
    codebookSize,
    sidAvailable: status.sidAvailable,
    rankingAvailable: status.rankingAvailable,
    attribution: status.dataset.attribution ?? `Model trained on ${status.dataset.name}.`,
    status: async () => toDemoStatus(await recommender.status()),
    history: async () => latestPerItem(await stored()).map(toEvent),
    rate: async (itemId, outcome) => {
      const events = await stored();
      if (events.some((event) => event.itemId === itemId)) {
        await recommender.replaceHistory([
          ...events.filter((event) => event.itemId !== itemId).map(toRecord),
          { itemId, outcome, time: now() },
        ]);
      } else {
        await recommender.record({ itemId, outcome, time: now() });
      }
    },
    unrate: async (itemId) => {
      const events = await stored();
      await recommender.replaceHistory(events.filter((event) => event.itemId !== itemId).map(toRecord));
    },
    clearHistory: () => recommender.clearHistory(),
    recommend: async (request) => {
      const started = performance.now();
      const result = await recommender.recommend({
        k: request.k,
        outcomeBudget: request.outcomeBudget,
        horizon: request.horizon,
        mode: request.mode,
        excludeSeen: true,
        explain: EXPLAIN,
        ...(request.order === 'utility'
          ? { rank: { candidates: 100, objective: { utility: demoUtility(status.outcomes) } } }
          : {}),
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
          ...(item.ranking ? { prediction: item.ranking.ifInteracted } : {}),
        })),
      };
    },
    deleteEverything: () => recommender.deleteStorage(),
    dispose: () => recommender.dispose(),
  };
}
