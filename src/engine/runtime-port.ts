/**
 * What the engine needs from the model runtime (src/model/runtime.ts `DecoderRuntime`). The engine
 * codes against this port so its store/transport/fault tests can run a small stand-in, while the
 * real hosts (engine/worker-entry.ts, the client's in-page engine) pass `DecoderRuntime.fromArtifacts`
 * as the engine's `createRuntime`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { ArtifactRole, ModelManifest } from '../model/manifest.ts';

/** One event as the decoder sees it: dense item row, outcome index, unix seconds (NaN if unknown). */
export interface RuntimeEvent {
  item: number;
  outcome: number;
  time: number;
}

/** A user's decoder state: the KV cache over the events so far. */
export interface RuntimeSession {
  readonly length: number;
  dispose(): void;
}

/** One query's generated candidates: items best first with their SID log-probabilities. */
export interface SidCandidates {
  items: Int32Array;
  scores: Float32Array;
}

/**
 * Generative retrieval (src/model/sid-decoding.ts): prefix-constrained beam search over the SID trie
 * with the model's SID head, for every query row at once; never reads the item table.
 */
export interface SidGenerator {
  /** Per row of `queries` [Q, dim]: up to `beamWidth` items; `allowItem(item, row)` false drops an item (seen, filtered). */
  generate(queries: tf.Tensor2D, beamWidth: number, allowItem?: (item: number, row: number) => boolean): Promise<SidCandidates[]>;
}

/** The model, resident on the current backend. */
export interface RecommenderRuntime {
  readonly itemCount: number;
  readonly embeddingDim: number;
  readonly outcomes: string[];
  readonly horizons: string[];
  /** [itemCount, dim], resident for the runtime's lifetime. */
  readonly itemEmbeddings: tf.Tensor2D;
  /** Full forward over the history; builds the KV cache. */
  prefill(history: RuntimeEvent[]): RuntimeSession;
  /** Extends the KV cache with new events; returns the number of tokens computed. */
  append(session: RuntimeSession, events: RuntimeEvent[]): number;
  /** Query embeddings [Q, dim] for (outcome, horizon) pairs from the session's last state. */
  queries(session: RuntimeSession, requests: { outcome: number; horizon: number }[]): tf.Tensor2D;
  /** True when the model has a ranking head (`rankCandidates` works). */
  readonly hasRankingHead?: boolean;
  /**
   * Ranking-head probabilities [C, outcomes + 1] (column 0: no interaction; o + 1: outcome o) of the
   * candidate rows as the session's next event, from its KV cache. Caller disposes.
   */
  rankCandidates?(session: RuntimeSession, items: number[]): tf.Tensor2D;
  /** SID generation, when the model has a SID head (modes `sid` and `sid+rerank`). */
  readonly sidGenerator?: SidGenerator;
  dispose(): void;
}

/** Builds a runtime from verified artifact bytes. */
export type RuntimeFactory = (
  manifest: ModelManifest,
  files: Map<ArtifactRole, ArrayBuffer>,
) => RecommenderRuntime | Promise<RecommenderRuntime>;
