/**
 * The engine's wire types: what crosses between the host page and the engine (in a worker or in the
 * page). Everything here is structured-clone safe (plain objects, arrays, strings, numbers), so the
 * worker engine and the in-page engine implement the same `EngineApi`. Item ids are the catalog's
 * raw ids (strings); outcomes and horizons are names from the model's manifest.
 */
import type { LoadPhase, LoadProgress } from '../store/loader.ts';

/** Which TF.js backend to run on. `auto` picks the fastest real one (see backend.ts). */
export type BackendPreference = 'auto' | 'webgpu' | 'wasm' | 'webgl' | 'cpu';
/** A backend that actually runs. */
export type BackendName = Exclude<BackendPreference, 'auto'>;

/** The WebGPU adapter as the browser describes it. */
export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software adapters (SwiftShader): correct but slow. */
  isFallbackAdapter: boolean;
}

/** Set when the engine runs on a different backend than the one asked for (or the first `auto` would try). */
export interface FallbackReport {
  /**
   * Why: `BACKEND_UNAVAILABLE` (the code of `BackendUnavailableError`) when a backend could not run;
   * `SOFTWARE_GPU_SKIPPED` when `auto` chose not to use a WebGPU adapter that is a software emulation
   * (SwiftShader), slower than wasm on the same CPU: a deliberate choice, nothing is broken. Ask for
   * `backend: 'webgpu'` to use it anyway.
   */
  code: 'BACKEND_UNAVAILABLE' | 'SOFTWARE_GPU_SKIPPED';
  from: BackendName;
  to: BackendName;
  /** Human-readable reason, e.g. "navigator.gpu is missing". */
  reason: string;
}

/** Loading phases and progress reports are the store's (src/store/loader.ts); the protocol re-exports them. */
export type { LoadPhase, LoadProgress };

/** What `load` needs (the serialisable part of `createRecommender`'s options). */
export interface EngineLoadOptions {
  /** Absolute URL of the exported `manifest.json`. */
  modelUrl: string;
  /** Backend preference (default `auto`). */
  backend?: BackendPreference;
  /** When false, a failing backend preference throws `BackendUnavailableError` instead of falling back (default true). */
  allowFallback?: boolean;
  /** Storage namespace: one model + history slot (default `default`). */
  namespace?: string;
  /** IndexedDB database name (default `pocketrec`). */
  databaseName?: string;
  /** A model download that receives nothing for this long fails with `NetworkError` (ms, default 30,000; 0 = never). */
  stallTimeoutMs?: number;
  /**
   * Origins besides the manifest's that model files may come from, e.g. `['https://cdn.example.com']`;
   * `['*']` allows any. Default: none, so a manifest cannot point the engine at another origin (and
   * `..` paths are always rejected, with `ModelFormatError`).
   */
  modelFileOrigins?: string[];
  /**
   * The model's files in memory, by path relative to `manifest.json` (e.g. a model trained in the page):
   * served to the loader instead of the network, so `modelUrl` only names the model (nothing is fetched).
   */
  modelFiles?: Record<string, ArrayBuffer | Uint8Array>;
}

/** One user event as the host records it. */
export interface RecordEvent {
  /** Raw catalog item id. */
  itemId: string;
  /** Outcome name, one of `status().outcomes` (e.g. `love`). */
  outcome: string;
  /** Unix seconds, a number from 0 to 1e10 (year 2286; milliseconds are rejected); default now. */
  time?: number;
}

/** A stored history event. */
export interface RecordedEvent {
  itemId: string;
  outcome: string;
  /** Unix seconds; NaN when unknown. */
  time: number;
}

/** What `record` did. */
export interface RecordResult {
  /** Events added. */
  recorded: number;
  /** Decoder tokens computed for them: equals `recorded` when the KV cache was extended. */
  tokensComputed: number;
  /** `append`: the KV cache was extended; `prefill`: the session was (re)built from the whole history. */
  path: 'append' | 'prefill';
  /** Events in the model's session now. */
  sessionLength: number;
}

/** Which items may be recommended. */
export interface ItemFilter {
  /** Only these raw ids may be returned. */
  allow?: string[];
  /** These raw ids are never returned. */
  deny?: string[];
}

/** How `recommend` retrieves: embedding top-k, SID generation, or SID generation re-scored by the embedding query. */
export type RecommendMode = 'embedding' | 'sid' | 'sid+rerank';

/** A recommendation request; every field is optional. */
export interface RecommendRequest {
  /** Number of items (default 10). */
  k?: number;
  /**
   * Share of the list per outcome, e.g. `{ love: 0.7, watch: 0.3 }`; shares are normalised. Default:
   * the model's last outcome (by convention its most positive one) gets everything.
   */
  outcomeBudget?: Record<string, number>;
  /** Horizon name(s) to query, or `all` (default) for the multi-token mix. */
  horizon?: string | string[];
  /**
   * `embedding` (default): top-k of query·item over the whole item table. `sid`: the model's SID head
   * generates items code by code (beam search over the semantic-ID trie; never reads the item table).
   * `sid+rerank`: the SID beam proposes candidates and the embedding query re-scores only those.
   * The SID modes need a model trained with a SID head (`EngineStatus.sidAvailable`).
   */
  mode?: RecommendMode;
  /** Leave out items already in the history (default true). */
  excludeSeen?: boolean;
  /** Allow-/deny-list of raw item ids; unknown ids throw `UnknownItemError`. */
  filter?: ItemFilter;
  /** When > 0, each result lists this many history items closest to it (cosine of item embeddings); an integer 0..50. */
  explain?: number;
  /**
   * Beam width per query for the SID modes, an integer 1..512 (default 50 in `sid`, 200 in `sid+rerank`; the beam is max(k, beamWidth),
   * so the SID modes allow k <= 512). In `sid+rerank` it is the number of candidates each query proposes.
   */
  beamWidth?: number;
  /**
   * Re-rank with the model's ranking head: retrieve `candidates` items, score each from the session's
   * KV cache (the history is not re-encoded), return the best k by `objective`. Each result then
   * carries `ranking`. A model without a ranking head rejects with `InvalidArgumentError`
   * (`details.reason: 'no-ranking-head'`).
   */
  rank?: RankRequest;
}

/**
 * What re-ranking orders by: an outcome name (its probability, e.g. `'love'`), `'interaction'` (the
 * probability of any interaction, the default), or `{ utility: { love: 1, watch: 0.3, dislike: -1 } }`:
 * the expected utility sum_o w_o p(o | item), outcomes left out weighing 0.
 */
export type RankObjective = string | { utility: Record<string, number> };

/** Re-ranking settings of a `recommend` request. */
export interface RankRequest {
  /** Items retrieved and scored, an integer k..1000 (default max(k, 100)). */
  candidates?: number;
  /** Default `'interaction'`. */
  objective?: RankObjective;
}

/** The ranking head's prediction for one item (set on results of a `rank` request). */
export interface RankingPrediction {
  /** p(outcome o as the next event), per outcome name; with `noInteraction` they sum to 1. */
  outcomes: Record<string, number>;
  /** p(no interaction with this item next). */
  noInteraction: number;
  /** The outcome shares if the user does interact: p(o) / (1 - noInteraction), summing to 1. */
  ifInteracted: Record<string, number>;
  /** The objective's value, by which results are ordered (highest first). */
  objective: number;
  /** Position (0-based) in the retrieval order before re-ranking. */
  retrievalRank: number;
}

/** A query that produced a result. */
export interface QuerySource {
  outcome: string;
  horizon: string;
  /** Raw score (query · item) under this query. */
  score: number;
}

/** One recommended item. */
export interface Recommendation {
  itemId: string;
  /** Row in the model's item table. */
  index: number;
  /** Display title from the catalog, if any. */
  title?: string;
  /** Score under the query that picked it (dot product; log-probability in `sid` mode). */
  score: number;
  /** Outcome of the query that picked it. */
  outcome: string;
  /** Horizon of the query that picked it. */
  horizon: string;
  /** Every query that retrieved it (duplicates merged), the picking one first. */
  sources: QuerySource[];
  /** With `explain`: the closest history items. */
  closestHistory?: { itemId: string; similarity: number }[];
  /** With `rank`: the ranking head's per-outcome probabilities. */
  ranking?: RankingPrediction;
}

/** The answer to `recommend`. */
export interface RecommendResult {
  items: Recommendation[];
  /** Wall time inside the engine, ms. */
  millis: number;
  /** Queries scored in the batched pass. */
  queries: number;
  mode: RecommendMode;
  /** Which scoring path ran: the fused WebGPU kernel, TF.js matMul + topk, SID beam search, or beam + re-score. */
  kernel: 'fused-webgpu' | 'matmul-topk' | 'sid-beam' | 'sid-rerank' | 'none';
  /** True when there is no history yet and the model had nothing to condition on. */
  coldStart: boolean;
  /** With `rank`: candidates scored by the ranking head and the objective used. */
  reranked?: { candidates: number; objective: RankObjective };
}

/** What the engine runs on and what it holds. */
export interface EngineStatus {
  backend: BackendName;
  requestedBackend: BackendPreference;
  adapter?: AdapterReport;
  fallback?: FallbackReport;
  namespace: string;
  modelVersion: string;
  /** What the model was trained on, with the attribution its license requires (show it). */
  dataset: { name: string; users: number; items: number; events: number; attribution?: string };
  /** Where the model came from on this load. */
  modelSource: 'network' | 'storage';
  itemCount: number;
  embeddingDim: number;
  outcomes: string[];
  horizons: string[];
  /** True when the model has a SID head (modes `sid` and `sid+rerank` available). */
  sidAvailable: boolean;
  /** True when the model has a ranking head (`recommend({ rank })` available). */
  rankingAvailable: boolean;
  /** Events in the stored history. */
  historyLength: number;
  /** Stored events skipped because the current model does not know their item or outcome. */
  historySkipped: number;
  storage: {
    /** Bytes of model files this namespace keeps in IndexedDB. */
    modelBytes: number;
    /** `navigator.storage.estimate()` for the whole origin, where available. */
    originUsage?: number;
    originQuota?: number;
  };
}

/**
 * One item of the active model's catalog, for hosts that show the catalog itself (the demo's search
 * and browse). Content fields are present when the exported `catalog.json` has them.
 */
export interface CatalogItem {
  /** Raw catalog id (what `record` and `recommend` use). */
  itemId: string;
  /** Row in the model's item table. */
  index: number;
  title?: string;
  year?: number;
  genres?: string[];
  /** Events with this item in the dataset the model was trained on (a cold-start ordering). */
  popularity?: number;
  /** Semantic-ID codes (levels + disambiguation), when the model ships SID tables. */
  sid?: number[];
}

/** `tf.memory()` in the engine's realm, for leak checks. */
export interface MemoryReport {
  numTensors: number;
  numBytes: number;
  numDataBuffers: number;
}

/**
 * The engine, as both the worker and the in-page implementation expose it. Every method rejects
 * with a `PocketrecError` subclass (see src/errors).
 */
export interface EngineApi {
  /** Selects the backend, loads (or downloads) the model, restores the history, warms up. */
  load(options: EngineLoadOptions, onProgress?: (progress: LoadProgress) => void): Promise<EngineStatus>;
  /** Aborts a `load`/`update` in progress (an `AbortSignal` cannot cross `postMessage`). */
  abort(): Promise<void>;
  /** Downloads a new model version (default: the same URL) and switches to it; on failure the current one keeps running. */
  update(modelUrl?: string, onProgress?: (progress: LoadProgress) => void): Promise<EngineStatus>;
  record(events: RecordEvent[]): Promise<RecordResult>;
  recommend(request?: RecommendRequest): Promise<RecommendResult>;
  history(): Promise<RecordedEvent[]>;
  clearHistory(): Promise<void>;
  /** Replaces the whole history (e.g. after the user deleted one event) and rebuilds the session. */
  replaceHistory(events: RecordEvent[]): Promise<RecordResult>;
  status(): Promise<EngineStatus>;
  /** The active model's catalog, read from IndexedDB (works offline). */
  catalog(): Promise<CatalogItem[]>;
  memory(): Promise<MemoryReport>;
  /** Deletes this namespace's stored models and history from the browser, then disposes. */
  deleteStorage(): Promise<void>;
  dispose(): Promise<void>;
}
