/**
 * Retrieval losses for the decoder's queries, written with plain max-subtract-exp-sum-log (faster
 * than TF.js' logSumExp / softmax-cross-entropy composites on wasm: docs/platform-facts.md).
 *
 * Multi-token window loss ("a query counts as right if it matches ANY item in its future window"):
 * for a query q with window positives P (masked to the valid ones) and negatives N,
 *
 *     loss(q) = logsumexp_{j in P ∪ N} s_j  -  logsumexp_{p in P} s_p,      s_j = cos(q, e_j) / T - logQ_j
 *
 * i.e. minus the log of the softmax mass that falls on the window. With one positive this is exactly
 * the usual (sampled) softmax cross-entropy, so next-token training is the W = 1 special case.
 * logQ_j is the log of item j's expected count under the negative sampler (logQ correction, Yi et al.
 * 2019), applied to positives and negatives alike; pass null for uniform sampling (a constant shift).
 * Accidental hits (a sampled negative equal to a positive) are not removed: with 128 of thousands of
 * items they are rare; for small catalogs use the full softmax.
 */
import * as tf from '@tensorflow/tfjs-core';
import { mm } from '../model/ops.ts';
import { LOG_SUM_EXP_ROWS_KERNEL } from './kernels/log-sum-exp.ts';

/**
 * Plain log-sum-exp over the last axis: x [n, m] -> [n]. Its gradient is written directly
 * (d lse / dx = softmax(x) = exp(x - lse)), skipping the max's gradient (an Equal mask over the whole
 * logit matrix, slow on wasm). With the `PocketrecLogSumExpRows` kernel (Node training on wasm:
 * src/train/kernels/log-sum-exp.ts) two passes give the value and the exponentials, and the gradient is one
 * multiply; elsewhere it runs as max, subtract, exp, sum, log.
 */
export const logSumExpRows = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
  if (x.dtype === 'float32' && tf.getKernel(LOG_SUM_EXP_ROWS_KERNEL, tf.getBackend())) {
    const [lse, exps, inv] = tf.engine().runKernel(LOG_SUM_EXP_ROWS_KERNEL, { x }) as [tf.Tensor1D, tf.Tensor2D, tf.Tensor1D];
    save([exps, inv]);
    return {
      value: lse, // [n]
      // softmax * dy = exps * (dy / sum): the row factor on [n], one multiply over [n, m].
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(saved[0]!, tf.reshape(tf.mul(dy, saved[1]!), [-1, 1]))],
    };
  }
  const max = tf.max(x, 1, true); // [n, 1]
  const lse = tf.add(tf.log(tf.sum(tf.exp(tf.sub(x, max)), 1, true)), max); // [n, 1]
  save([x, lse]);
  return {
    value: tf.reshape(lse, [-1]), // [n]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(tf.exp(tf.sub(saved[0]!, saved[1]!)), tf.reshape(dy, [-1, 1]))], // [n, m]
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D) => tf.Tensor1D;

/** Added to the score of a masked-out (invalid) window slot. */
const MASKED = -1e9;

/** Scores of each query against its own window positives: q [n, d], pos [n, w, d] -> [n, w]. */
function windowScores(queries: tf.Tensor2D, positives: tf.Tensor3D): tf.Tensor2D {
  return tf.sum(tf.mul(tf.expandDims(queries, 1), positives), 2) as tf.Tensor2D; // [n, 1, d] * [n, w, d] -> [n, w]
}

/** Inputs of the sampled-softmax window loss. Embeddings must be unit rows (cosine similarity). */
export interface SampledSoftmaxInputs {
  /** [n, d] unit queries. */
  queries: tf.Tensor2D;
  /** [n, w, d] unit embeddings of each query's window positives. */
  positives: tf.Tensor3D;
  /** [n, w] 1 where a positive slot is real, 0 where empty (each row needs at least one 1). */
  positiveMask: tf.Tensor2D;
  /** [k, d] unit embeddings of the negatives, shared by all queries. */
  negatives: tf.Tensor2D;
  /** [n, w] log expected sample count of each positive, or null (uniform sampling). */
  positiveLogQ: tf.Tensor2D | null;
  /** [k] log expected sample count of each negative, or null. */
  negativeLogQ: tf.Tensor1D | null;
  temperature: number;
}

/** Mean window sampled-softmax loss over the queries (scalar). */
export function sampledSoftmaxWindowLoss(inp: SampledSoftmaxInputs): tf.Scalar {
  return tf.tidy(() => {
    const q = tf.div(inp.queries, inp.temperature) as tf.Tensor2D; // [n, d]: scaling q, not the [n, k] logits
    let pos = windowScores(q, inp.positives); // [n, w]
    if (inp.positiveLogQ) pos = tf.sub(pos, inp.positiveLogQ);
    pos = tf.add(pos, tf.mul(tf.sub(1, inp.positiveMask), MASKED)) as tf.Tensor2D; // invalid slots -> -1e9
    let neg = mm(q, tf.transpose(inp.negatives)); // [n, d] x [d, k] -> [n, k]
    if (inp.negativeLogQ) neg = tf.sub(neg, inp.negativeLogQ);
    const all = tf.concat([pos, neg], 1) as tf.Tensor2D; // [n, w + k]
    return tf.mean(tf.sub(logSumExpRows(all), logSumExpRows(pos))) as tf.Scalar;
  });
}

/** Inputs of the full-softmax window loss (every item is a candidate; small catalogs). */
export interface FullSoftmaxInputs {
  /** [n, d] unit queries. */
  queries: tf.Tensor2D;
  /** [items, d] unit retrieval table. */
  table: tf.Tensor2D;
  /** [n, w] unit embeddings of each query's window positives (rows of `table`). */
  positives: tf.Tensor3D;
  /** [n, w] 1 where a positive slot is real. */
  positiveMask: tf.Tensor2D;
  temperature: number;
}

/** Mean window full-softmax loss (scalar): logsumexp over all items minus over the window. */
export function fullSoftmaxWindowLoss(inp: FullSoftmaxInputs): tf.Scalar {
  return tf.tidy(() => {
    const q = tf.div(inp.queries, inp.temperature) as tf.Tensor2D; // [n, d]: scaling q, not the [n, items] logits
    let pos = windowScores(q, inp.positives); // [n, w]
    pos = tf.add(pos, tf.mul(tf.sub(1, inp.positiveMask), MASKED)) as tf.Tensor2D;
    const all = mm(q, tf.transpose(inp.table)); // [n, items]
    return tf.mean(tf.sub(logSumExpRows(all), logSumExpRows(pos))) as tf.Scalar;
  });
}
