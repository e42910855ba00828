/**
 * What the demo page needs from the recommender, kept apart from the public client API so the UI
 * code reads in the demo's own terms (catalog cards, outcome labels, steering controls). The
 * adapter in `connect.ts` implements it on top of `createRecommender` (src/client).
 */

/** One movie card. */
export interface DemoItem {
  id: string;
  /** The title as people write it ("The Matrix"; see titles.ts). */
  title: string;
  /** The catalog's own title ("Matrix, The (1999)"), also searched. */
  rawTitle: string;
  year?: number;
  genres: string[];
  /** Semantic ID codes, drawn as the card's swatch. */
  sid?: number[];
  /** Interaction count in the training data; orders the cold-start list. */
  popularity: number;
}

/** One event of the user's on-device history. */
export interface DemoEvent {
  itemId: string;
  outcome: string;
  /** Unix seconds. */
  time: number;
}

/** The steering controls of the recommendation panel. */
export interface DemoRecommendRequest {
  k: number;
  /** Share of the list per outcome, e.g. { love: 0.7, watch: 0.3 }. */
  outcomeBudget: Record<string, number>;
  /** A horizon name from the model, or 'all' for the multi-token mix. */
  horizon: string;
  /** Retrieval: embedding top-k, SID generation, or SID candidates re-scored by the embedding query. */
  mode: 'embedding' | 'sid' | 'sid+rerank';
  /** `utility`: re-rank 100 retrieved films by the ranking head's expected utility (models with one). */
  order?: 'retrieval' | 'utility';
}

/** One recommended item, with what produced it. */
export interface DemoRecommendation {
  itemId: string;
  score: number;
  /** The outcome query that retrieved it. */
  outcome?: string;
  /** The horizon query that retrieved it. */
  horizon?: string;
  /** History items closest to it in embedding space, most similar first. */
  closestHistory: { itemId: string; similarity: number }[];
  /** With `order: 'utility'`: the ranking head's outcome shares if the user watches it (sum to 1). */
  prediction?: Record<string, number>;
}

/** Engine facts shown in the header (in words, see status-text.ts) and its technical detail. */
export interface DemoStatus {
  backend: 'webgpu' | 'wasm' | 'webgl' | 'cpu';
  /** What the settings asked for. */
  requestedBackend: 'auto' | 'webgpu' | 'wasm' | 'webgl' | 'cpu';
  adapter?: string;
  /** True when the WebGPU adapter is a software one (SwiftShader): it works, slowly. */
  softwareAdapter: boolean;
  /** Set when the engine runs on another backend than the first one tried: its code and reason. */
  fallback?: { code: string; reason: string };
  /** Where the model came from on this load: downloaded, or the copy stored in this browser. */
  modelSource: 'network' | 'storage';
  modelVersion: string;
  itemCount: number;
}

/** Loading progress, by phase. */
export interface DemoProgress {
  phase: string;
  loadedBytes?: number;
  totalBytes?: number;
}

/** The recommender as the demo page uses it. */
export interface DemoEngine {
  readonly catalog: DemoItem[];
  readonly outcomes: string[];
  readonly horizons: string[];
  readonly codebookSize: number;
  /** Whether the model ships SID tables (the SID-generation mode needs them). */
  readonly sidAvailable: boolean;
  /** Whether the model has a ranking head (the "Best predicted" order needs it). */
  readonly rankingAvailable: boolean;
  readonly attribution: string;
  status(): Promise<DemoStatus>;
  /** The history, one event per film (the latest rating wins), oldest first. */
  history(): Promise<DemoEvent[]>;
  /** Rates a film; a film already rated gets the new outcome instead (one outcome per film). */
  rate(itemId: string, outcome: string): Promise<void>;
  /** Removes a film's rating. */
  unrate(itemId: string): Promise<void>;
  /** Removes every rating. */
  clearHistory(): Promise<void>;
  recommend(request: DemoRecommendRequest): Promise<{ items: DemoRecommendation[]; millis: number }>;
  /** Deletes the model, the catalog and the history from this browser. */
  deleteEverything(): Promise<void>;
  /** Ends the engine (before starting another one, e.g. on another backend). */
  dispose(): Promise<void>;
}
