/**
 * Training targets of the ranking head (src/model/ranking-head.ts), drawn from the same sequences and
 * batches as retrieval: at a few random input slots of each row, the real next event (label: its
 * outcome) and sampled items the user did not take there (label: no interaction). Half the
 * negatives are uniform over the catalog, half are drawn from the batch's next events (popularity
 * distributed: harder, closer to what retrieval returns).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Decoder, DecoderConfig } from '../model/decoder.ts';
import type { RankingTargets } from '../model/ranking-head.ts';
import type { TrainingBatch, TrainingSequence } from './batches.ts';

/** How the ranking head trains (`pocketrec train --ranking-head`). */
export interface RankingTrainOptions {
  /** Hidden width of the head's MLP. */
  hiddenDim: number;
  /** Weight of the ranking loss added to the retrieval loss. */
  weight: number;
  /** Sampled non-interacted items per target event. */
  negatives: number;
  /** Target events per sequence per step (random input slots; all when the row is shorter). */
  positions: number;
  /** Draw the popularity half of the negatives from the model's own retrieval top `hard` instead (0: off). */
  hard?: number;
}

/** Defaults of `--ranking-head`. */
export const DEFAULT_RANKING_OPTIONS: RankingTrainOptions = { hiddenDim: 64, weight: 1, negatives: 8, positions: 8 };

/** The random draws this needs (the trainer's seeded generator). */
export interface IntSource {
  int(n: number): number;
}

/**
 * Ranking targets for `batch` built from `sequences` (the same rows, in order, as `buildBatch` got
 * them: inputs are each sequence's last maxLen events before its final one).
 */
export function buildRankingTargets(
  sequences: readonly TrainingSequence[],
  batch: TrainingBatch,
  config: DecoderConfig,
  options: RankingTrainOptions,
  rng: IntSource,
): RankingTargets {
  const { batch: B, length: L } = batch.tokens;
  const rows: number[] = [];
  const context: number[] = [];
  const items: number[] = [];
  const labels: number[] = [];
  const positions: number[] = [];
  const pool: number[] = [];
  for (const s of sequences) for (let e = 1; e < s.items.length; e++) pool.push(s.items[e]!);
  for (let b = 0; b < B; b++) {
    const s = sequences[b]!;
    const end = s.items.length - 1; // input events are [end - kept, end)
    const kept = Math.min(L, end);
    if (kept <= 0) continue;
    const first = end - kept;
    // Distinct random input slots (partial Fisher-Yates over 0..kept-1).
    const order = Array.from({ length: kept }, (_, j) => j);
    const take = Math.min(options.positions, kept);
    for (let j = 0; j < take; j++) {
      const r = j + rng.int(kept - j);
      [order[j], order[r]] = [order[r]!, order[j]!];
    }
    const chosen = order.slice(0, take).sort((a, c) => a - c);
    for (const j of chosen) {
      const slot = L - kept + j; // within the row
      const e = first + j; // the event at the slot; its next event e + 1 is the target
      const target = s.items[e + 1]!;
      const position = Math.min(batch.tokens.positions[b * L + slot]! + 1, config.maxLen - 1);
      const push = (item: number, label: number): void => {
        rows.push(b);
        context.push(slot);
        items.push(item);
        labels.push(label);
        positions.push(position);
      };
      push(target, s.outcomes[e + 1]! + 1);
      for (let n = 0; n < options.negatives; n++) {
        let item = n % 2 === 0 || pool.length === 0 ? rng.int(config.itemCount) : pool[rng.int(pool.length)]!;
        if (item === target) item = (item + 1 + rng.int(config.itemCount - 1)) % config.itemCount;
        push(item, 0);
      }
    }
  }
  return {
    rows: Int32Array.from(rows),
    context: Int32Array.from(context),
    items: Int32Array.from(items),
    labels: Int32Array.from(labels),
    positions: Int32Array.from(positions),
  };
}

/**
 * Replaces every other sampled negative (the popularity-drawn ones) of each target with one of the
 * `hard` items the model itself retrieves best at that position (its `next` query for the target's
 * outcome; items in the row's inputs and the target excluded): the negatives re-ranking meets. One
 * extra forward pass without gradients, plus scoring the contexts against the item table.
 */
export function addHardNegatives(
  decoder: Decoder,
  batch: TrainingBatch,
  targets: RankingTargets,
  hard: number,
  rng: IntSource,
): void {
  const { length: L } = batch.tokens;
  // One query per distinct (row, context slot): the positive's outcome, horizon `next`.
  const contexts = new Map<number, number>(); // flat slot -> context index
  const slots: number[] = [];
  const outcomes: number[] = [];
  for (let c = 0; c < targets.items.length; c++) {
    if (targets.labels[c] === 0) continue;
    const flat = targets.rows[c]! * L + targets.context[c]!;
    if (!contexts.has(flat)) {
      contexts.set(flat, slots.length);
      slots.push(flat);
      outcomes.push(decoder.config.outcomeConditioning ? targets.labels[c]! - 1 : 0);
    }
  }
  if (slots.length === 0) return;
  const depth = Math.min(decoder.config.itemCount, hard + L + 1);
  const top = tf.tidy(() => {
    const hidden = tf.gather(decoder.forward(batch.tokens), tf.tensor1d(slots, 'int32')) as tf.Tensor2D; // [X, d]
    const q = decoder.queries(hidden, tf.tensor1d(outcomes, 'int32'), tf.zeros([slots.length], 'int32') as tf.Tensor1D); // [X, d]
    return tf.topk(tf.matMul(q, decoder.retrievalTable(), false, true), depth).indices; // [X, depth]
  });
  const best = top.dataSync() as Int32Array;
  top.dispose();
  let positive = -1;
  for (let c = 0; c < targets.items.length; c++) {
    if (targets.labels[c] !== 0) {
      positive = targets.items[c]!;
      continue;
    }
    // Negatives follow their positive; the popularity-drawn ones (even within the group) become hard.
    const flat = targets.rows[c]! * L + targets.context[c]!;
    const x = contexts.get(flat)!;
    if ((c - firstOfGroup(targets, c)) % 2 === 1) continue; // position 1, 3, ... are uniform draws
    const row = targets.rows[c]!;
    const seen = new Set<number>();
    for (let j = 0; j < L; j++) if (batch.tokens.valid[row * L + j]) seen.add(batch.tokens.items[row * L + j]!);
    const choices: number[] = [];
    for (let r = 0; r < depth && choices.length < hard; r++) {
      const item = best[x * depth + r]!;
      if (item !== positive && !seen.has(item)) choices.push(item);
    }
    if (choices.length > 0) targets.items[c] = choices[rng.int(choices.length)]!;
  }
}

/** Index of the positive that opens candidate c's group (targets are [positive, negatives...] per context). */
function firstOfGroup(targets: RankingTargets, c: number): number {
  let i = c;
  while (i > 0 && targets.labels[i] === 0) i--;
  return i;
}
