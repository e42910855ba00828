/**
 * The decoder's inference runtime, the contract src/engine codes against: load from artifacts,
 * prefill a user's history once into a per-layer KV cache, append new events computing only the new
 * tokens, and turn the last hidden state into one retrieval query per (outcome, horizon) request.
 * Runs on whatever TF.js backend is current (webgpu / wasm / cpu).
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadDecoder, type LoadedDecoder } from './artifacts.ts';
import type { Decoder, LayerCache } from './decoder.ts';
import type { SidDecoding } from './sid-decoding.ts';
import type { ArtifactRole, ModelManifest } from './manifest.ts';
import { packAppended, packHistories, type EventSequence, type TokenBatch } from './tokens.ts';

/** One event of a user's history. */
export interface HistoryEvent {
  item: number;
  outcome: number;
  time: number /* unix s, NaN if unknown */;
}

/** A user's cached decoder state. Dispose when the user's session ends. */
export interface DecoderSession {
  readonly length: number;
  dispose(): void;
}

/** The concrete session: the KV cache, the last hidden state and the events behind them. */
class CachedSession implements DecoderSession {
  caches: LayerCache[] | null = null;
  /** [1, d] final hidden state of the last token. */
  last: tf.Tensor2D | null = null;
  /** Events currently in the cache (at most maxLen), oldest first. */
  events: HistoryEvent[] = [];
  disposed = false;

  get length(): number {
    return this.events.length;
  }

  /** Frees the cache tensors (keeps the event list). */
  clear(): void {
    if (this.caches) for (const c of this.caches) tf.dispose([c.keys, c.values]);
    this.last?.dispose();
    this.caches = null;
    this.last = null;
  }

  dispose(): void {
    this.clear();
    this.events = [];
    this.disposed = true;
  }
}

/** Loads a trained decoder and serves queries with incremental (KV-cached) inference. */
export class DecoderRuntime {
  readonly itemCount: number;
  readonly embeddingDim: number;
  readonly outcomes: string[];
  readonly horizons: string[];
  /** [itemCount, dim] retrieval table, resident on the device. */
  readonly itemEmbeddings: tf.Tensor2D;
  /** Training frequency per outcome (the prior used for "any outcome" scoring). */
  readonly outcomePrior: number[];
  readonly maxLen: number;
  /** SID generation (the model's SID head over its trie), when the model has a SID head. */
  readonly sidGenerator?: SidDecoding;
  private readonly decoder: Decoder;

  private constructor(
    private readonly loaded: LoadedDecoder,
    manifest: ModelManifest,
  ) {
    this.decoder = loaded.decoder;
    this.itemEmbeddings = loaded.itemEmbeddings;
    this.itemCount = manifest.itemCount;
    this.embeddingDim = manifest.embeddingDim;
    this.outcomes = manifest.outcomes;
    this.horizons = manifest.horizons;
    this.outcomePrior = loaded.section.outcomePrior;
    this.maxLen = loaded.section.decoder.maxLen;
    if (loaded.sid) this.sidGenerator = loaded.sid;
  }

  /** Builds the model's tensors on the current tf backend from the manifest and its files (role -> bytes). */
  static fromArtifacts(manifest: ModelManifest, files: Map<ArtifactRole, ArrayBuffer>): DecoderRuntime {
    return new DecoderRuntime(loadDecoder(manifest, files), manifest);
  }

  private checkEvents(events: HistoryEvent[]): void {
    for (const e of events) {
      if (!Number.isInteger(e.item) || e.item < 0 || e.item >= this.itemCount)
        throw new RangeError(`history item ${e.item} is outside 0..${this.itemCount - 1}`);
      if (!Number.isInteger(e.outcome) || e.outcome < 0 || e.outcome >= this.outcomes.length)
        throw new RangeError(`history outcome ${e.outcome} is outside 0..${this.outcomes.length - 1}`);
    }
  }

  /** The events as the arrays token packing reads. */
  private static sequenceOf(events: HistoryEvent[]): EventSequence {
    return {
      items: events.map((e) => e.item),
      outcomes: events.map((e) => e.outcome),
      times: events.map((e) => e.time),
    };
  }

  /** Runs `tokens`, the session's next `events`, after its cached ones (cache empty: a new window). */
  private extend(session: CachedSession, events: HistoryEvent[], tokens: TokenBatch): void {
    const T = tokens.length;
    const { hidden, caches } = this.decoder.forwardIncremental(tokens, session.caches);
    session.clear();
    session.caches = caches;
    session.last = tf.tidy(() => tf.slice(hidden, [T - 1, 0], [1, -1]) as tf.Tensor2D); // [1, d]
    hidden.dispose();
    session.events.push(...events);
  }

  /** Starts the session's window over the last maxLen of `events` (the session must be empty). */
  private startWindow(session: CachedSession, events: HistoryEvent[]): void {
    const { tokens, first } = packHistories([DecoderRuntime.sequenceOf(events)], this.maxLen, this.decoder.config.timeFeatures);
    this.extend(session, events.slice(first[0]!), tokens);
  }

  /** Full forward over a history (truncated to maxLen); the session holds the per-layer KV cache. */
  prefill(history: HistoryEvent[]): DecoderSession {
    this.checkEvents(history);
    const session = new CachedSession();
    if (history.length > 0) this.startWindow(session, history);
    return session;
  }

  /** Appends events computing only the new tokens (KV cache); returns the number of tokens computed. */
  append(session: DecoderSession, events: HistoryEvent[]): number {
    const s = this.own(session);
    this.checkEvents(events);
    if (events.length === 0) return 0;
    const all = [...s.events, ...events];
    if (all.length <= this.maxLen) {
      this.extend(s, events, packAppended(DecoderRuntime.sequenceOf(all), s.events.length, this.decoder.config.timeFeatures));
      return events.length;
    }
    // Past maxLen the oldest events fall out and every position shifts: recompute the window.
    s.clear();
    s.events = [];
    this.startWindow(s, all);
    return s.events.length;
  }

  /** One query per request from the session's last hidden state: [requests, dim]. Caller disposes. */
  queries(session: DecoderSession, requests: { outcome: number; horizon: number }[]): tf.Tensor2D {
    const s = this.own(session);
    if (!s.last) throw new Error('queries: the session has no events yet');
    for (const r of requests) {
      if (!Number.isInteger(r.outcome) || r.outcome < 0 || r.outcome >= this.outcomes.length)
        throw new RangeError(`request outcome ${r.outcome} is outside 0..${this.outcomes.length - 1}`);
      if (!Number.isInteger(r.horizon) || r.horizon < 0 || r.horizon >= this.horizons.length)
        throw new RangeError(`request horizon ${r.horizon} is outside 0..${this.horizons.length - 1}`);
    }
    const last = s.last;
    return tf.tidy(() => {
      const hidden = tf.tile(last, [requests.length, 1]) as tf.Tensor2D; // [R, d]
      return this.decoder.queries(
        hidden,
        tf.tensor1d(
          Int32Array.from(requests, (r) => r.outcome),
          'int32',
        ),
        tf.tensor1d(
          Int32Array.from(requests, (r) => r.horizon),
          'int32',
        ),
      ); // [R, d]
    });
  }

  /** True when the model has a ranking head. */
  get hasRankingHead(): boolean {
    return this.loaded.ranking !== undefined;
  }

  /**
   * Ranking-head probabilities [C, outcomes + 1] (column 0: no interaction; o + 1: outcome o) of
   * candidate items as the session's next event, computed from its KV cache (the history is not
   * re-encoded; each candidate is one token through the blocks). Caller disposes.
   */
  rankCandidates(session: DecoderSession, items: number[]): tf.Tensor2D {
    const s = this.own(session);
    if (!this.loaded.ranking) throw new Error('rankCandidates: this model has no ranking head');
    if (!s.caches) throw new Error('rankCandidates: the session has no events yet');
    for (const item of items)
      if (!Number.isInteger(item) || item < 0 || item >= this.itemCount)
        throw new RangeError(`candidate item ${item} is outside 0..${this.itemCount - 1}`);
    return this.loaded.ranking.score(s.caches, items);
  }

  /** Final hidden states of every position of a history (its last maxLen events) in one full pass: [n, d] (tests, tools). */
  hiddenStates(history: HistoryEvent[]): tf.Tensor2D {
    this.checkEvents(history);
    const { tokens } = packHistories([DecoderRuntime.sequenceOf(history)], this.maxLen, this.decoder.config.timeFeatures);
    return this.decoder.forward(tokens);
  }

  private own(session: DecoderSession): CachedSession {
    if (!(session instanceof CachedSession)) throw new TypeError('not a session of this runtime');
    if (session.disposed) throw new Error('the session was disposed');
    return session;
  }

  dispose(): void {
    this.loaded.dispose();
  }
}
