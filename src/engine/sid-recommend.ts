/**
 * The generative retrieval modes of `recommend` (docs/api.md, docs/sids.md):
 *
 * - `sid`: the model's SID head generates items code by code, prefix-constrained beam search over
 *   the trie (src/model/sid-decoding.ts), for all outcome/horizon queries in one batch. Scores are
 *   log p(SID | query). The item table is never read: the cost depends on beams x codes per level,
 *   not on the catalog size.
 * - `sid+rerank`: the same beam proposes candidates (the union over queries, `beamWidth` per query);
 *   each query then re-scores only those rows of the item table by its embedding (query · item) and
 *   keeps its best. Embedding-quality ordering at generative cost (a gather of C rows, not N).
 *
 * Exclusions (seen items, allow / deny lists) are applied inside the beam: an excluded item is
 * dropped at the last level and its slot goes to the next best, so no pass over the catalog is needed.
 */
import * as tf from '@tensorflow/tfjs-core';
import { MASKED_SCORE } from './retrieval.ts';
import type { RecommenderRuntime } from './runtime-port.ts';

/** Default beam width of mode `sid` (per query; the beam is max(k, beamWidth)). */
export const DEFAULT_SID_BEAM_WIDTH = 50;
/**
 * Default beam width of mode `sid+rerank`: the candidates each query proposes. On ml-latest-small
 * (docs/benchmarks.md) beam 200 brought the hybrid to 90% of embedding HR@10, beam 50 to 73%.
 */
export const DEFAULT_SID_RERANK_BEAM_WIDTH = 200;

/** Ranked candidates per query, row-major [Q, width], padded with `MASKED_SCORE`. */
export interface RankedRows {
  indices: Int32Array;
  scores: Float32Array;
  width: number;
}

/**
 * The exclusion rule of a request as a predicate over item rows (undefined: nothing excluded).
 * `seen` = the session's history rows when seen items are excluded.
 */
export function allowedItems(
  seen: readonly number[],
  allow: readonly number[] | undefined,
  deny: readonly number[] | undefined,
): ((item: number) => boolean) | undefined {
  if (seen.length === 0 && !allow && !(deny && deny.length > 0)) return undefined;
  const blocked = new Set<number>([...seen, ...(deny ?? [])]);
  const allowed = allow ? new Set<number>(allow) : undefined;
  return (item) => !blocked.has(item) && (!allowed || allowed.has(item));
}

/** Runs `sid` or `sid+rerank` for `queries` [Q, d]; `width` results per query. */
export async function sidRankedRows(
  runtime: RecommenderRuntime,
  queries: tf.Tensor2D,
  mode: 'sid' | 'sid+rerank',
  width: number,
  beamWidth: number,
  allow: ((item: number) => boolean) | undefined,
): Promise<RankedRows> {
  const generator = runtime.sidGenerator;
  if (!generator) throw new Error('the model has no SID head');
  const Q = queries.shape[0];
  const beam = Math.max(width, beamWidth);
  const generated = await generator.generate(queries, beam, allow);
  const indices = new Int32Array(Q * width);
  const scores = new Float32Array(Q * width).fill(MASKED_SCORE);
  if (mode === 'sid') {
    generated.forEach((g, q) => {
      const n = Math.min(width, g.items.length);
      indices.set(g.items.subarray(0, n), q * width);
      scores.set(g.scores.subarray(0, n), q * width);
    });
    return { indices, scores, width };
  }
  // sid+rerank: every query scores the union of the candidates by query · item, and keeps its best.
  const union = Int32Array.from(new Set(generated.flatMap((g) => Array.from(g.items))));
  if (union.length === 0) return { indices, scores, width };
  const scored = tf.tidy(() => {
    const rows = tf.gather(runtime.itemEmbeddings, tf.tensor1d(union, 'int32')) as tf.Tensor2D; // [C, d]
    return tf.matMul(queries, rows, false, true); // [Q, C]
  });
  const values = (await scored.data()) as Float32Array;
  scored.dispose();
  const C = union.length;
  const order = Array.from({ length: C }, (_, c) => c);
  for (let q = 0; q < Q; q++) {
    const row = values.subarray(q * C, (q + 1) * C);
    const best = order.slice().sort((a, b) => row[b]! - row[a]! || union[a]! - union[b]!);
    const n = Math.min(width, C);
    for (let j = 0; j < n; j++) {
      indices[q * width + j] = union[best[j]!]!;
      scores[q * width + j] = row[best[j]!]!;
    }
  }
  return { indices, scores, width };
}
