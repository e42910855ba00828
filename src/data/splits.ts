/**
 * Train / validation / test splits. Both splits hold out the END of each user's (already ordered) sequence,
 * so they are deterministic given the importer's ordering (tie-breaking in docs/data.md):
 *
 * - leave-one-out (the published protocol): last event = test target, second-to-last = validation target,
 *   the rest = train. Users with fewer than 3 events are not evaluated: all their events go to train
 *   (SASRec's rule; ML-1M and the 5-core sets have no such users).
 * - future window: the last `w` events form the test window (order inside it does not count), the `w` before
 *   them the validation window, the rest train; `w` is a fixed size or a fraction of the sequence. A user is
 *   evaluated only with at least `minHistory` events before the validation window; otherwise all train.
 *
 * Leave-one-out is the future-window split with w = 1 and minHistory = 1.
 */
import type { UserSequence } from './types.ts';

/** Events of one user as a view (subarrays share memory with the dataset; treat as read-only). */
export interface EventSlice {
  items: Int32Array;
  outcomes: Uint8Array;
  times: Float64Array;
}

/** One evaluation case: what the model sees (`history`) and what it should retrieve (`targets`). */
export interface EvalCase {
  /** Dense user index. */
  user: number;
  /** Input events, oldest first. For test cases this includes the validation events. */
  history: EventSlice;
  /** Held-out events, in order; leave-one-out has exactly one. */
  targets: EventSlice;
}

/** A split of a whole dataset. */
export interface Split {
  kind: 'loo' | 'window';
  /** Human-readable description, e.g. `loo` or `window(size=5,minHistory=5)`. */
  label: string;
  /** Per user: the training prefix (whole sequence for users that are not evaluated). Indexed by user. */
  train: UserSequence[];
  validation: EvalCase[];
  test: EvalCase[];
}

/** Configuration of the future-window split. */
export interface WindowSplitConfig {
  /** Window size in events (default 5). Ignored when `fraction` is set. */
  size?: number;
  /** Window as a fraction of each user's sequence length, rounded, at least 1 (e.g. 0.2). */
  fraction?: number;
  /** Minimum events before the validation window for a user to be evaluated (default 5). */
  minHistory?: number;
}

function slice(seq: UserSequence, start: number, end: number): EventSlice {
  return {
    items: seq.items.subarray(start, end),
    outcomes: seq.outcomes.subarray(start, end),
    times: seq.times.subarray(start, end),
  };
}

function splitByWindow(sequences: UserSequence[], windowOf: (n: number) => number, minHistory: number) {
  const train: UserSequence[] = [];
  const validation: EvalCase[] = [];
  const test: EvalCase[] = [];
  for (const seq of sequences) {
    const n = seq.items.length;
    const w = windowOf(n);
    const trainEnd = n - 2 * w;
    if (w < 1 || trainEnd < minHistory) {
      train.push(seq);
      continue;
    }
    train.push({ user: seq.user, ...slice(seq, 0, trainEnd) });
    validation.push({ user: seq.user, history: slice(seq, 0, trainEnd), targets: slice(seq, trainEnd, n - w) });
    test.push({ user: seq.user, history: slice(seq, 0, n - w), targets: slice(seq, n - w, n) });
  }
  return { train, validation, test };
}

/** Leave-one-out split (see module doc). */
export function leaveOneOutSplit(sequences: UserSequence[]): Split {
  return { kind: 'loo', label: 'loo', ...splitByWindow(sequences, () => 1, 1) };
}

/** Future-window split (see module doc). */
export function futureWindowSplit(sequences: UserSequence[], config: WindowSplitConfig = {}): Split {
  const minHistory = config.minHistory ?? 5;
  const fraction = config.fraction;
  const size = config.size ?? 5;
  if (fraction !== undefined && !(fraction > 0 && fraction < 0.5)) {
    throw new Error(`window fraction must be in (0, 0.5), got ${fraction}`);
  }
  if (!(Number.isInteger(size) && size >= 1)) throw new Error(`window size must be a positive integer, got ${size}`);
  const windowOf = fraction !== undefined ? (n: number) => Math.max(1, Math.round(n * fraction)) : () => size;
  const label = fraction !== undefined ? `window(fraction=${fraction},minHistory=${minHistory})` : `window(size=${size},minHistory=${minHistory})`;
  return { kind: 'window', label, ...splitByWindow(sequences, windowOf, minHistory) };
}
