/**
 * Token packing: a user's events (item, outcome, time) -> the decoder's input arrays (items, outcomes,
 * positions, padding mask, time features). Written once and used by training batches
 * (src/train/batches.ts), the evaluation recommender and the runtime's KV cache (src/model/runtime.ts),
 * so a history packs to the same tokens on every path and "KV cache == training forward" holds by
 * construction.
 *
 * The rules: the decoder sees a window of at most `maxLen` events, the most recent ones; positions
 * count from 0 at the window's first event; that event's time gap is unknown (as if nothing came
 * before it); rows of a batch are left-padded, and padded slots hold item 0, outcome 0, valid 0.
 */

/** Number of per-event time features (see `writeTimeFeatures`). */
export const TIME_FEATURES = 6;

/**
 * Per-event time features [hour sin, hour cos, weekday sin, weekday cos, log gap, has-time], written
 * into `out` at `offset`. `time` and `previousTime` are unix seconds (NaN when unknown). Absolute
 * periodic features use UTC; the gap is log1p(hours since the previous event) / 5.
 */
export function writeTimeFeatures(time: number, previousTime: number, out: Float32Array, offset: number): void {
  if (!Number.isFinite(time)) {
    out.fill(0, offset, offset + TIME_FEATURES);
    return;
  }
  const hour = (((time / 3600) % 24) + 24) % 24; // hour of day, UTC
  const weekday = (((time / 86400 + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (4)
  const gapHours = Number.isFinite(previousTime) ? Math.max(0, time - previousTime) / 3600 : 0;
  out[offset] = Math.sin((2 * Math.PI * hour) / 24);
  out[offset + 1] = Math.cos((2 * Math.PI * hour) / 24);
  out[offset + 2] = Math.sin((2 * Math.PI * weekday) / 7);
  out[offset + 3] = Math.cos((2 * Math.PI * weekday) / 7);
  out[offset + 4] = Math.log1p(gapHours) / 5;
  out[offset + 5] = 1;
}

/** Input tokens of a batch of sequences, flattened row-major to B*L slots. */
export interface TokenBatch {
  /** Sequences in the batch. */
  batch: number;
  /** Slots per sequence (<= maxLen). */
  length: number;
  /** int32 [B*L] item index per slot (any valid index in padded slots). */
  items: Int32Array;
  /** int32 [B*L] outcome index per slot. */
  outcomes: Int32Array;
  /** int32 [B*L] position (0 = the oldest kept event) per slot. */
  positions: Int32Array;
  /** float32 [B*L] 1 for real events, 0 for padding. */
  valid: Float32Array;
  /** float32 [B*L, TIME_FEATURES] (zeros when time features are off). */
  time: Float32Array;
}

/** A user's events, oldest first: the arrays of a dataset slice, a training sequence or a runtime history. */
export interface EventSequence {
  items: ArrayLike<number>;
  outcomes: ArrayLike<number>;
  /** Unix seconds, NaN where unknown. */
  times: ArrayLike<number>;
}

/** A packed batch and where each row's tokens came from. */
export interface PackedTokens {
  tokens: TokenBatch;
  /** int32 [B] sequence index of each row's first token (its window's first event). */
  first: Int32Array;
  /** int32 [B] tokens (real events) in each row; they fill the row's last slots. */
  count: Int32Array;
}

/** An all-padding batch of B rows of L slots. */
function emptyBatch(B: number, L: number): TokenBatch {
  return {
    batch: B,
    length: L,
    items: new Int32Array(B * L),
    outcomes: new Int32Array(B * L),
    positions: new Int32Array(B * L),
    valid: new Float32Array(B * L),
    time: new Float32Array(B * L * TIME_FEATURES),
  };
}

/**
 * Writes events [from, to) of `sequence` into consecutive slots from `slot`, as part of a window that
 * begins at event `windowStart` (position 0, unknown time gap).
 */
function writeTokens(
  out: TokenBatch,
  slot: number,
  sequence: EventSequence,
  windowStart: number,
  from: number,
  to: number,
  timeFeatures: boolean,
): void {
  for (let e = from; e < to; e++, slot++) {
    out.items[slot] = sequence.items[e]!;
    out.outcomes[slot] = sequence.outcomes[e]!;
    out.positions[slot] = e - windowStart;
    out.valid[slot] = 1;
    if (timeFeatures)
      writeTimeFeatures(
        sequence.times[e]!,
        e > windowStart ? sequence.times[e - 1]! : Number.NaN,
        out.time,
        slot * TIME_FEATURES,
      );
  }
}

/**
 * Packs a batch of histories, left-padded to a common length L = min(maxLen, longest window), at
 * least 1. Row b holds the last `maxLen` events of `sequences[b]` before `ends[b]` (default: all of
 * its events; training passes length - 1 to keep the last event as a target).
 */
export function packHistories(
  sequences: readonly EventSequence[],
  maxLen: number,
  timeFeatures: boolean,
  ends?: ArrayLike<number>,
): PackedTokens {
  const B = sequences.length;
  const endOf = (b: number): number => Math.max(0, ends ? ends[b]! : sequences[b]!.items.length);
  let longest = 1;
  for (let b = 0; b < B; b++) longest = Math.max(longest, endOf(b));
  const L = Math.min(maxLen, longest);
  const tokens = emptyBatch(B, L);
  const first = new Int32Array(B);
  const count = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const end = endOf(b);
    const n = Math.min(L, end);
    first[b] = end - n;
    count[b] = n;
    writeTokens(tokens, b * L + (L - n), sequences[b]!, end - n, end - n, end, timeFeatures);
  }
  return { tokens, first, count };
}

/**
 * The tokens of a window's events after its first `cached` ones (one row, no padding): what the
 * runtime computes when it appends events to a KV cache that holds the window's first `cached`
 * tokens. Positions and time gaps continue from the cached events, so the tokens are exactly the
 * last slots of `packHistories([window])`.
 */
export function packAppended(window: EventSequence, cached: number, timeFeatures: boolean): TokenBatch {
  const T = window.items.length - cached;
  const tokens = emptyBatch(1, T);
  writeTokens(tokens, 0, window, 0, cached, window.items.length, timeFeatures);
  return tokens;
}
