/**
 * The decoder's inference runtime, the contract src/engine codes against: load from artifacts,
 * prefill a user's history once into a per-layer KV cache, append new events computing only the new
 * tokens, and turn the last hidden state into one retrieval query per (outcome, horizon) request.
 * Runs on whatever TF.js backend is current (webgpu / wasm / cpu).
 */
import * as tf from '@tensorflow/tfjs';
import { loadDecoder, type LoadedDecoder } from './artifacts.ts';
import { TIME_FEATURES, writeTimeFeatures, type Decoder, type LayerCache } from './decoder.ts';
import type { ArtifactRole, ModelManifest } from './manifest.ts';

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

  /** Runs `events` after the session's cached ones (positions continue from session.length). */
  private extend(session: CachedSession, events: HistoryEvent[]): void {
    const S = session.events.length;
    const T = events.length;
    const items = Int32Array.from(events, (e) => e.item);
    const outcomes = Int32Array.from(events, (e) => e.outcome);
    const positions = Int32Array.from(events, (_, i) => S + i);
    const time = new Float32Array(T * TIME_FEATURES);
    if (this.decoder.config.timeFeatures) {
      events.forEach((e, i) => {
        const previous = i > 0 ? events[i - 1]!.time : S > 0 ? session.events[S - 1]!.time : Number.NaN;
        writeTimeFeatures(e.time, S + i > 0 ? previous : Number.NaN, time, i * TIME_FEATURES);
      });
    }
    const { hidden, caches } = this.decoder.forwardIncremental(items, outcomes, positions, time, session.caches);
    session.clear();
    session.caches = caches;
    session.last = tf.tidy(() => tf.slice(hidden, [T - 1, 0], [1, -1]) as tf.Tensor2D); // [1, d]
    hidden.dispose();
    session.events.push(...events);
  }

  /** Full forward over a history (truncated to maxLen); the session holds the per-layer KV cache. */
  prefill(history: HistoryEvent[]): DecoderSession {
    this.checkEvents(history);
    const session = new CachedSession();
    const kept = history.slice(Math.max(0, history.length - this.maxLen));
    if (kept.length > 0) this.extend(session, kept);
    return session;
  }

  /** Appends events computing only the new tokens (KV cache); returns the number of tokens computed. */
  append(session: DecoderSession, events: HistoryEvent[]): number {
    const s = this.own(session);
    this.checkEvents(events);
    if (events.length === 0) return 0;
    if (s.events.length + events.length <= this.maxLen) {
      this.extend(s, events);
      return events.length;
    }
    // Past maxLen the oldest events fall out and every position shifts: recompute the window.
    const all = [...s.events, ...events];
    const kept = all.slice(all.length - this.maxLen);
    s.clear();
    s.events = [];
    this.extend(s, kept);
    return kept.length;
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

  /** Final hidden states of every position of a history in one full pass: [n, d] (tests, tools). */
  hiddenStates(history: HistoryEvent[]): tf.Tensor2D {
    this.checkEvents(history);
    const session = new CachedSession();
    const kept = history.slice(Math.max(0, history.length - this.maxLen));
    const time = new Float32Array(kept.length * TIME_FEATURES);
    if (this.decoder.config.timeFeatures)
      kept.forEach((e, i) => writeTimeFeatures(e.time, i > 0 ? kept[i - 1]!.time : Number.NaN, time, i * TIME_FEATURES));
    const { hidden, caches } = this.decoder.forwardIncremental(
      Int32Array.from(kept, (e) => e.item),
      Int32Array.from(kept, (e) => e.outcome),
      Int32Array.from(kept, (_, i) => i),
      time,
      null,
    );
    session.caches = caches;
    session.dispose();
    return hidden;
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
