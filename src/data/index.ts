/** Public surface of the data layer (Node-side: importers read files). */
export type { Dataset, ImportSummary, ItemCatalog, UserSequence } from './types.ts';
export { DataFormatError, DatasetNotFoundError } from './errors.ts';
export { loadDataset, resolveDataDir, DATASETS, DEFAULT_DATA_DIR, REPO_ROOT, type LoadDatasetOptions } from './registry.ts';
export { MOVIELENS_RATING_RULE, parseRatingRule, formatRatingRule, compileRatingRule, type RatingRule } from './outcomes.ts';
