/**
 * The decoder's generative retrieval as an `EvalRecommender` (`pocketrec eval --mode sid|sid+rerank`),
 * through the same code the browser runs (src/model/sid-decoding.ts):
 *
 * - `sid`: per history, one query per outcome (the `next` horizon, or the requested outcome) generates
 *   `beam` items by prefix-constrained beam search with the SID head, history items excluded inside
 *   the beam. An item's score is the outcome mixture log sum_o prior_o p_o(SID), over the queries
 *   that generated it (DecoderRecommender's "any outcome" rule with SID probabilities).
 * - `sid+rerank`: the union of those beams is re-scored with the embedding mixture score of
 *   DecoderRecommender (log sum_o prior_o exp(cos(q_o, e) / T)), only for those candidates.
 *
 * Items the beam did not produce score -Infinity: the harness's pessimistic tie rule ranks a target
 * outside the beam last. History items are excluded inside the beam, so the masked metrics are the
 * ones to read (a target already in the history is never generated; on ML and Beauty there are none).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Decoder } from '../model/decoder.ts';
import type { SidDecoding } from '../model/sid-decoding.ts';
import { packHistories } from '../model/tokens.ts';
import type { EvalRecommender, UserHistory } from './evaluate.ts';

/** The generative modes of `pocketrec eval --mode`. */
export type SidEvalMode = 'sid' | 'sid+rerank';

/** log(exp a + exp b), safe for -Infinity. */
function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/** Scores by SID generation (optionally re-scored by the embedding query). */
export class SidEvalRecommender implements EvalRecommender {
  constructor(
    readonly name: string,
    private readonly decoder: Decoder,
    private readonly table: tf.Tensor2D,
    private readonly sid: SidDecoding,
    private readonly outcomePrior: number[],
    readonly mode: SidEvalMode,
    readonly beam: number,
    readonly batchSize = 64,
    private readonly horizon = 0,
  ) {}

  async scoreBatch(histories: UserHistory[], out: Float32Array): Promise<void> {
    const c = this.decoder.config;
    const I = c.itemCount;
    if (out.length !== histories.length * I)
      throw new Error(`the model scores ${I} items, but the output rows do not match: model and dataset do not match`);
    out.fill(-Infinity);
    const rows = histories.map((h, i) => (h.items.length > 0 ? i : -1)).filter((i) => i >= 0);
    if (rows.length === 0) return;
    const present = rows.map((i) => histories[i]!);
    const n = present.length;
    // One query per (history, outcome): all outcomes with their prior, or the requested one.
    const mixture = c.outcomeConditioning && !present.every((h) => h.outcome !== undefined);
    const O = mixture ? c.outcomeCount : 1;
    const outcomeOf = (b: number, o: number): number => (mixture ? o : (present[b]!.outcome ?? 0));
    const logPrior = (o: number): number => (mixture ? Math.log(Math.max(this.outcomePrior[o]!, 1e-9)) : 0);
    const { tokens } = packHistories(present, c.maxLen, c.timeFeatures);
    const L = tokens.length;
    const queries = tf.tidy(() => {
      const hidden = tf.gather(
        this.decoder.forward(tokens),
        tf.tensor1d(
          Int32Array.from({ length: n * O }, (_, r) => Math.floor(r / O) * L + L - 1),
          'int32',
        ),
      ) as tf.Tensor2D; // [n*O, d], row b*O+o
      const outcomes = Int32Array.from({ length: n * O }, (_, r) => outcomeOf(Math.floor(r / O), r % O));
      return this.decoder.queries(hidden, tf.tensor1d(outcomes, 'int32'), tf.fill([n * O], this.horizon, 'int32') as tf.Tensor1D);
    });
    try {
      const seen = present.map((h) => new Set(h.items));
      const generated = await this.sid.generate(queries, this.beam, (item, row) => !seen[Math.floor(row / O)]!.has(item));
      if (this.mode === 'sid') {
        generated.forEach((g, r) => {
          const offset = rows[Math.floor(r / O)]! * I;
          const prior = logPrior(r % O);
          for (let j = 0; j < g.items.length; j++) {
            const at = offset + g.items[j]!;
            out[at] = logAddExp(out[at]!, prior + g.scores[j]!);
          }
        });
        return;
      }
      // sid+rerank: each history's candidates (union over its outcome queries), scored by the embedding mixture.
      for (let b = 0; b < n; b++) {
        const candidates = Int32Array.from(new Set(generated.slice(b * O, (b + 1) * O).flatMap((g) => Array.from(g.items))));
        if (candidates.length === 0) continue;
        const scored = tf.tidy(() => {
          const q = tf.slice(queries, [b * O, 0], [O, -1]) as tf.Tensor2D; // [O, d]
          const rowsT = tf.gather(this.table, tf.tensor1d(candidates, 'int32')) as tf.Tensor2D; // [C, d]
          const logits = tf.div(tf.matMul(q, rowsT, false, true), c.temperature); // [O, C]
          const prior = tf.tensor2d(
            Array.from({ length: O }, (_, o) => logPrior(o)),
            [O, 1],
          );
          return tf.logSumExp(tf.add(logits, prior), 0); // [C]
        });
        const values = (await scored.data()) as Float32Array;
        scored.dispose();
        const offset = rows[b]! * I;
        candidates.forEach((item, j) => (out[offset + item] = values[j]!));
      }
    } finally {
      queries.dispose();
    }
  }
}
