/**
 * The event model shared by the whole project: importers produce it, splits and metrics consume it,
 * the trainer turns it into batches, and the browser runtime records the same shape of event.
 *
 * Users and items are re-indexed densely (0..n-1) on import; the raw identifiers are kept beside
 * them (`userIds`, `ItemCatalog.ids`) so results can always be written back in the dataset's own ids.
 * Models that need a padding index shift item indices by one internally; nothing here reserves 0.
 */

/** One user's events, oldest first (ties broken as documented in docs/data.md). */
export interface UserSequence {
  /** Dense user index (position in `Dataset.userIds`). */
  user: number;
  /** Dense item index per event. */
  items: Int32Array;
  /** Outcome index per event (position in `Dataset.outcomes`). */
  outcomes: Uint8Array;
  /** Unix seconds per event; NaN where the dataset has no timestamp for that event. */
  times: Float64Array;
}

/**
 * The item catalog: raw ids plus optional content. Content drives semantic IDs (so a cold item with
 * no history still gets a meaningful code) and the demo's cards.
 */
export interface ItemCatalog {
  /** Raw item id per dense index, as written in the source data. */
  ids: string[];
  /** Display title per item, where the dataset has one. */
  titles?: (string | undefined)[];
  /** Release/creation year per item, where known (NaN otherwise). */
  years?: Float64Array;
  /**
   * Categorical content tokens per item, namespaced `kind:value` (e.g. `genre:Comedy`, `brand:OPI`,
   * `category:Nail Polish`, `word:star`). Empty array where an item has no content.
   */
  features: string[][];
  /** Optional user-supplied dense content vectors, row-major `[items, vectorDim]`. */
  vectors?: Float32Array;
  /** Width of `vectors`. */
  vectorDim?: number;
}

/** What an import did, printed by `pocketrec import` and kept beside results. */
export interface ImportSummary {
  users: number;
  items: number;
  events: number;
  /**
   * Catalog items that have at least one event (equals `items` unless the catalog also lists items nobody
   * interacted with, as ml-latest-small's movies.csv does). Optional: added after the first contract.
   */
  itemsWithEvents?: number;
  /** Event count per outcome name. */
  outcomeCounts: Record<string, number>;
  /** Rows dropped, by reason (e.g. `duplicate`, `unknown item`, `rating below threshold`). */
  dropped: Record<string, number>;
  /** Events that carry a real timestamp. */
  eventsWithTime: number;
  /** Input files read, with their row counts. */
  files: { path: string; rows: number }[];
}

/** A whole imported dataset: the catalog, the outcome vocabulary and every user's sequence. */
export interface Dataset {
  /** Short name, e.g. `ml-1m`, `beauty`, `ml-latest-small`. */
  name: string;
  /** Raw user id per dense index. */
  userIds: string[];
  catalog: ItemCatalog;
  /** Outcome vocabulary, e.g. `['dislike','watch','love']` or `['pv','cart','fav','buy']`. */
  outcomes: string[];
  /** One sequence per user, indexed by dense user index. */
  sequences: UserSequence[];
  /** True when (some) events carry real timestamps; false for order-only datasets. */
  hasTimestamps: boolean;
  summary: ImportSummary;
}
