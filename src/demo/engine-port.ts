/**
 * What the demo page needs from the recommender, kept apart from the public client API so the UI
 * code reads in the demo's own terms (catalog cards, outcome labels, steering controls). The
 * adapter in `connect.ts` implements it on top of `createRecommender` (src/client).
 */

/** One movie card. */
export interface DemoItem {
  id: string;
  title: string;
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
  mode: 'embedding' | 'sid';
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
}

/** Engine facts shown in the header. */
export interface DemoStatus {
  backend: string;
  adapter?: string;
  /** Set when the preferred backend (WebGPU) was not used, with the reason. */
  fallbackReason?: string;
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
  readonly attribution: string;
  status(): Promise<DemoStatus>;
  history(): Promise<DemoEvent[]>;
  record(itemId: string, outcome: string): Promise<void>;
  /** Replaces the whole history (used to remove one event). */
  replaceHistory(events: DemoEvent[]): Promise<void>;
  recommend(request: DemoRecommendRequest): Promise<{ items: DemoRecommendation[]; millis: number }>;
  /** Deletes the model, the catalog and the history from this browser. */
  deleteEverything(): Promise<void>;
}
