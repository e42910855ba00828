/**
 * The decoder as an `EvalRecommender` for the evaluation harness (src/eval): scores the full catalog for a
 * batch of histories by cosine between the decoder's query and every item's retrieval embedding.
 *
 * Which query: when the harness asks for an outcome (matched / fixed conditioning) the query of that
 * outcome for the `next` horizon; otherwise, for an outcome-conditioned model, the "any outcome"
 * score log sum_o prior(o) exp(cos(q_o, e) / T) — the mixture of the per-outcome softmaxes weighted by
 * the training outcome frequencies. Browser-safe (no fs): Node loading lives in src/train/load-model.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EvalRecommender, UserHistory } from './evaluate.ts';
import type { Decoder } from '../model/decoder.ts';
import { packHistories } from '../model/tokens.ts';

/** Scores items with a decoder (trained in this process or loaded from artifacts). */
export class DecoderRecommender implements EvalRecommender {
  readonly batchSize: number;

  /**
   * @param table [itemCount, dim] unit retrieval table, or null to compute it from the decoder per call
   *   (during training, when the item embeddings change every step).
   */
  constructor(
    readonly name: string,
    private readonly decoder: Decoder,
    private readonly table: tf.Tensor2D | null,
    private readonly outcomePrior: number[],
    batchSize = 128,
    private readonly horizon = 0,
  ) {
    this.batchSize = batchSize;
  }

  async scoreBatch(histories: UserHistory[], out: Float32Array): Promise<void> {
    const c = this.decoder.config;
    const I = c.itemCount;
    // A model of another catalog would copy rows of one width into rows of another (or gather past its table).
    if (out.length !== histories.length * I)
      throw new Error(
        `the model scores ${I} items, but the output holds rows of ${out.length / Math.max(1, histories.length)}: model and dataset do not match`,
      );
    for (const h of histories)
      for (const item of h.items)
        if (!(item >= 0 && item < I))
          throw new Error(`history item ${item} is outside the model's ${I} items: model and dataset do not match`);
    const rows = histories.map((h, i) => (h.items.length > 0 ? i : -1)).filter((i) => i >= 0);
    if (rows.length === 0) return;
    const present = rows.map((i) => histories[i]!);
    const { tokens } = packHistories(present, c.maxLen, c.timeFeatures);
    const scores = tf.tidy(() => {
      const table = this.table ?? this.decoder.retrievalTable(); // [I, d]
      const tableT = tf.transpose(table); // [d, I]
      const hidden = this.decoder.forwardLast(tokens); // [n, d]: each row's newest event
      const n = present.length;
      const fixed = present.every((h) => h.outcome !== undefined);
      if (!c.outcomeConditioning || fixed) {
        const outcomes = Int32Array.from(present, (h) => h.outcome ?? 0);
        const q = this.decoder.queries(
          hidden,
          tf.tensor1d(outcomes, 'int32'),
          tf.fill([n], this.horizon, 'int32') as tf.Tensor1D,
        ); // [n, d]
        return tf.matMul(q, tableT); // [n, I]
      }
      // Mixture over outcomes: log sum_o prior_o exp(cos_o / T), O queries per history.
      const O = c.outcomeCount;
      const hiddenRep = tf.reshape(tf.tile(hidden, [1, O]), [n * O, -1]) as tf.Tensor2D; // [n*O, d], row b*O+o
      const outcomes = Int32Array.from({ length: n * O }, (_, r) => r % O);
      const q = this.decoder.queries(
        hiddenRep,
        tf.tensor1d(outcomes, 'int32'),
        tf.fill([n * O], this.horizon, 'int32') as tf.Tensor1D,
      );
      const logits = tf.reshape(tf.div(tf.matMul(q, tableT), c.temperature), [n, O, I]); // [n, O, I]
      const logPrior = tf.reshape(tf.log(tf.tensor1d(this.outcomePrior.map((p) => Math.max(p, 1e-9)))), [1, O, 1]);
      return tf.logSumExp(tf.add(logits, logPrior), 1); // [n, I]
    });
    const values = (await scores.data()) as Float32Array;
    scores.dispose();
    rows.forEach((row, r) => out.set(values.subarray(r * I, (r + 1) * I), row * I));
  }
}

/** Outcome frequencies (sums to 1) over the given training sequences. */
export function outcomeFrequencies(sequences: { outcomes: Uint8Array }[], outcomeCount: number): number[] {
  const counts = new Array<number>(outcomeCount).fill(0);
  let total = 0;
  for (const s of sequences)
    for (const o of s.outcomes) {
      counts[o]!++;
      total++;
    }
  return counts.map((c) => (total > 0 ? c / total : 1 / outcomeCount));
}
