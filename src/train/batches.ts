/**
 * Turns users' training sequences into decoder batches: left-padded input tokens plus, for every
 * (slot, horizon) that has a target, the query's outcome and its window of positive items.
 *
 * Per user (SASRec-style, one sample per user per epoch): inputs are the last `maxLen` events before
 * the final training event; the target window of the input event at index e for horizon [from, to]
 * is events e+from..e+to (clipped to the sequence). With outcome conditioning the query's outcome is
 * the outcome of event e+from and the positives are the window's events with that same outcome (the
 * model learns "what will this user <outcome> soon"); without it every window event is a positive.
 */
import type { DecoderConfig } from '../model/decoder.ts';
import { packHistories, type TokenBatch } from '../model/tokens.ts';

/** The part of a user's history the trainer may learn from. */
export interface TrainingSequence {
  items: Int32Array;
  outcomes: Uint8Array;
  /** Unix seconds, NaN where unknown. */
  times: Float64Array;
}

/** One training batch: tokens plus query targets. */
export interface TrainingBatch {
  tokens: TokenBatch;
  /** Number of queries. */
  queryCount: number;
  /** Window width (max over horizons of to - from + 1). */
  window: number;
  /** int32 [N] slot (row of the B*L hidden states) of each query. */
  querySlots: Int32Array;
  /** int32 [N] outcome of each query. */
  queryOutcomes: Int32Array;
  /** int32 [N] horizon index of each query. */
  queryHorizons: Int32Array;
  /** int32 [N*W] positive items (0 where empty). */
  positives: Int32Array;
  /** float32 [N*W] 1 where a positive slot is real. */
  positiveMask: Float32Array;
  /** Real (non-padding) events in the batch. */
  events: number;
}

/** Builds one batch from the given sequences (each needs >= 2 events to yield a query). */
export function buildBatch(sequences: TrainingSequence[], config: DecoderConfig): TrainingBatch {
  // Input tokens: each sequence's last maxLen events before its final one (src/model/tokens.ts).
  const ends = sequences.map((s) => s.items.length - 1);
  const { tokens, first, count: kept } = packHistories(sequences, config.maxLen, config.timeFeatures, ends);
  const { batch: B, length: L } = tokens;
  const W = Math.max(...config.horizons.map((h) => h.to - h.from + 1));
  const slots: number[] = [];
  const qOutcomes: number[] = [];
  const qHorizons: number[] = [];
  const positives: number[] = [];
  const mask: number[] = [];
  let events = 0;
  for (let b = 0; b < B; b++) {
    const s = sequences[b]!;
    const n = s.items.length;
    const inputs = kept[b]!; // events used as input tokens, in the row's last slots
    for (let j = 0; j < inputs; j++) {
      const e = first[b]! + j; // sequence index of the slot's event
      const slot = b * L + (L - inputs) + j;
      events++;
      config.horizons.forEach((h, hi) => {
        const start = e + h.from;
        if (start >= n) return;
        const outcome = config.outcomeConditioning ? s.outcomes[start]! : 0;
        let count = 0;
        for (let t = start; t <= Math.min(n - 1, e + h.to); t++) {
          if (config.outcomeConditioning && s.outcomes[t] !== outcome) continue;
          positives.push(s.items[t]!);
          mask.push(1);
          count++;
        }
        for (; count < W; count++) {
          positives.push(0);
          mask.push(0);
        }
        slots.push(slot);
        qOutcomes.push(outcome);
        qHorizons.push(hi);
      });
    }
  }
  return {
    tokens,
    queryCount: slots.length,
    window: W,
    querySlots: Int32Array.from(slots),
    queryOutcomes: Int32Array.from(qOutcomes),
    queryHorizons: Int32Array.from(qHorizons),
    positives: Int32Array.from(positives),
    positiveMask: Float32Array.from(mask),
    events,
  };
}
