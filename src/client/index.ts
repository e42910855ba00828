/**
 * pocketrec's public API (ESM, typed): create a recommender, record events, recommend, manage the
 * stored history. See docs/api.md for every call and error, docs/embedding.md for bundling the worker.
 */
export { createRecommender, type CreateRecommenderOptions, type Recommender } from './recommender.ts';
export type {
  AdapterReport,
  BackendName,
  BackendPreference,
  CatalogItem,
  EngineStatus,
  FallbackReport,
  ItemFilter,
  LoadPhase,
  LoadProgress,
  MemoryReport,
  QuerySource,
  RankObjective,
  RankRequest,
  RankingPrediction,
  Recommendation,
  RecommendMode,
  RecommendRequest,
  RecommendResult,
  RecordEvent,
  RecordResult,
  RecordedEvent,
} from '../engine/protocol.ts';
export * from '../errors/errors.ts';
