/** Options every importer accepts (the registry fills them from loadDataset's options). */
import type { ReadProgress } from '../lines.ts';
import type { RatingRule } from '../outcomes.ts';

export interface ImporterOptions {
  /** Rating -> outcome rule for explicit-rating datasets (default: MOVIELENS_RATING_RULE). */
  ratingRule?: RatingRule;
  /**
   * Which items the catalog holds where a catalog file lists more items than the events use:
   * `all` (every listed item, e.g. the demo's whole ml-latest-small catalog) or `rated` (items with at least
   * one event, the ranking universe of the published ML-1M protocol). Each importer documents its default.
   */
  catalog?: 'all' | 'rated';
  /** Called while files are read (every 100k rows and at the end of each file). */
  onProgress?: (progress: ReadProgress) => void;
  /** Generic logs only: progress of the first pass over the events file (the outcome scan). */
  onScanProgress?: (progress: ReadProgress) => void;
}
