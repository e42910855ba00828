/**
 * Embedding retrieval: one batched `queries @ itemsᵀ` pass for every outcome/horizon query, a
 * per-query top-k, then a merge on the CPU that gives each query its budgeted share of the list and
 * merges duplicates.
 *
 * Layout: `matMul(queries[Q,d], items[N,d], false, true)` is the fast orientation on WebGPU (~15x
 * faster than `items @ queryᵀ`, notes/browser-webgpu.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.ts';
import { scoreTopK as fusedScoreTopK } from '../gpu/score-topk.ts';

/** Scores at or below this are masked-out items (seen, filtered). */
export const MASKED_SCORE = -1e30;

/** One query of the batched pass and the number of results it is owed. */
export interface PlannedQuery {
  outcome: number;
  horizon: number;
  quota: number;
}

/** Splits `total` into integer parts proportional to `weights` (largest remainder; ties to the earlier). */
export function apportion(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const parts = exact.map(Math.floor);
  let left = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    parts[i]! += 1;
    left--;
  }
  return parts;
}

/**
 * Turns k, an outcome budget and horizons into queries with quotas. Each outcome gets its share of k;
 * inside an outcome the share is split evenly over the horizons. Queries owed nothing are dropped.
 */
export function planQueries(
  outcomes: string[],
  horizons: string[],
  k: number,
  budget: Record<string, number> | undefined,
  horizon: string | string[] | undefined,
): PlannedQuery[] {
  if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError(`k must be a positive integer, got ${k}.`, { k });
  const shares = budget ?? { [outcomes[outcomes.length - 1]!]: 1 };
  const outcomeWeights = outcomes.map(() => 0);
  for (const [name, share] of Object.entries(shares)) {
    const index = outcomes.indexOf(name);
    if (index < 0)
      throw new InvalidArgumentError(
        `outcomeBudget names "${name}", which this model does not know; its outcomes are ${outcomes.join(', ')}.`,
        { outcome: name, outcomes },
      );
    if (!(share >= 0) || !Number.isFinite(share))
      throw new InvalidArgumentError(`outcomeBudget["${name}"] must be a finite number >= 0, got ${share}.`, { outcome: name });
    outcomeWeights[index] = share;
  }
  if (outcomeWeights.every((w) => w === 0))
    throw new InvalidArgumentError('outcomeBudget gives every outcome 0; give at least one a positive share.');
  const wanted = horizon === undefined || horizon === 'all' ? horizons : Array.isArray(horizon) ? horizon : [horizon];
  const horizonIndices = wanted.map((name) => {
    const index = horizons.indexOf(name);
    if (index < 0)
      throw new InvalidArgumentError(`horizon "${name}" is not one of this model's horizons (${horizons.join(', ')}) or "all".`, {
        horizon: name,
        horizons,
      });
    return index;
  });
  if (horizonIndices.length === 0) throw new InvalidArgumentError('horizon must name at least one horizon.');
  const perOutcome = apportion(k, outcomeWeights);
  const plan: PlannedQuery[] = [];
  perOutcome.forEach((quota, outcome) => {
    if (quota === 0) return;
    apportion(
      quota,
      horizonIndices.map(() => 1),
    ).forEach((q, j) => {
      if (q > 0) plan.push({ outcome, horizon: horizonIndices[j]!, quota: q });
    });
  });
  return plan;
}

/** An item picked by the merge: its row, the picking query, and every query that retrieved it. */
export interface MergedItem {
  index: number;
  score: number;
  query: number;
  sources: { query: number; score: number }[];
}

/**
 * Fills the list from per-query ranked candidates (row-major `[Q, width]`): round-robin over the
 * queries by rank, each taking its next candidate not yet picked until its quota is met; a candidate
 * already picked by another query is merged (its sources grow) and the query moves on. Quota a query
 * cannot fill (candidates ran out) goes to the others. Result order = pick order.
 */
export function mergeCandidates(
  plan: PlannedQuery[],
  indices: ArrayLike<number>,
  scores: ArrayLike<number>,
  width: number,
  k: number,
): MergedItem[] {
  const picked = new Map<number, MergedItem>();
  const order: MergedItem[] = [];
  const pointer = plan.map(() => 0);
  const owed = plan.map((q) => q.quota);
  const exhausted = plan.map(() => false);
  const seenBy = plan.map(() => new Set<number>());

  /** Advances query q to its next unpicked candidate and picks it; false when it has none left. */
  const takeNext = (q: number): boolean => {
    while (pointer[q]! < width) {
      const at = q * width + pointer[q]!;
      pointer[q]! += 1;
      const index = indices[at]!;
      const score = scores[at]!;
      if (!(score > MASKED_SCORE / 10)) break; // masked tail: nothing valid left
      const existing = picked.get(index);
      if (existing) {
        if (!seenBy[q]!.has(index)) existing.sources.push({ query: q, score });
        seenBy[q]!.add(index);
        continue;
      }
      const item: MergedItem = { index, score, query: q, sources: [{ query: q, score }] };
      seenBy[q]!.add(index);
      picked.set(index, item);
      order.push(item);
      return true;
    }
    exhausted[q] = true;
    return false;
  };

  // Pass 1: each query fills its own quota, interleaved by rank.
  for (let progress = true; progress && order.length < k;) {
    progress = false;
    for (let q = 0; q < plan.length && order.length < k; q++) {
      if (owed[q]! > 0 && !exhausted[q] && takeNext(q)) {
        owed[q]! -= 1;
        progress = true;
      }
    }
  }
  // Pass 2: quota left by exhausted queries goes to whoever still has candidates.
  for (let progress = true; progress && order.length < k;) {
    progress = false;
    for (let q = 0; q < plan.length && order.length < k; q++) {
      if (!exhausted[q] && takeNext(q)) progress = true;
    }
  }
  return order;
}

/**
 * Additive mask over the item table: 0 for allowed rows, `MASKED_SCORE` for excluded ones.
 * `allow` (when given) restricts to those rows; `deny` and `seen` are removed.
 */
export function buildMask(
  itemCount: number,
  seen: Iterable<number>,
  allow: number[] | undefined,
  deny: number[] | undefined,
): Float32Array {
  const mask = new Float32Array(itemCount);
  if (allow) {
    mask.fill(MASKED_SCORE);
    for (const i of allow) mask[i] = 0;
  }
  for (const i of deny ?? []) mask[i] = MASKED_SCORE;
  for (const i of seen) mask[i] = MASKED_SCORE;
  return mask;
}

/**
 * The batched pass: scores[Q,N] = queries[Q,d] @ items[N,d]ᵀ + mask[N], then top-`width` per row —
 * one fused WGSL dispatch chain on WebGPU (src/gpu/score-topk.ts), matMul + topk elsewhere.
 * Returns the read-back values and indices (row-major [Q, width]); no tensors outlive the call. The
 * engine's read-back wrapper of src/gpu's `scoreTopK` (which returns tensors).
 */
export async function retrieveTopK(
  queries: tf.Tensor2D,
  items: tf.Tensor2D,
  mask: tf.Tensor1D | undefined,
  width: number,
): Promise<{ indices: Int32Array; scores: Float32Array; path: 'fused-webgpu' | 'matmul-topk' }> {
  const { values, indices, path } = fusedScoreTopK(queries, items, width, mask);
  try {
    const [v, i] = await Promise.all([values.data(), indices.data()]);
    return { scores: v as Float32Array, indices: i as Int32Array, path };
  } finally {
    values.dispose();
    indices.dispose();
  }
}

/**
 * For each result row, the `m` history rows with the highest cosine similarity of item embeddings.
 * Returns [R][<=m] pairs of (history position, similarity).
 */
export async function closestHistory(
  items: tf.Tensor2D,
  results: number[],
  history: number[],
  m: number,
): Promise<{ position: number; similarity: number }[][]> {
  if (results.length === 0 || history.length === 0 || m <= 0) return results.map(() => []);
  const width = Math.min(m, history.length);
  const [values, indices] = tf.tidy(() => {
    const unit = (rows: number[]): tf.Tensor2D => {
      const x = tf.gather(items, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
      return tf.div(x, tf.add(tf.norm(x, 2, 1, true), 1e-12)) as tf.Tensor2D;
    };
    const similarity = tf.matMul(unit(results), unit(history), false, true); // [R, H]
    const top = tf.topk(similarity, width, true);
    return [top.values, top.indices];
  });
  try {
    const [v, i] = await Promise.all([values.data(), indices.data()]);
    return results.map((_, r) =>
      Array.from({ length: width }, (_, j) => ({ position: i[r * width + j]!, similarity: v[r * width + j]! })),
    );
  } finally {
    values.dispose();
    indices.dispose();
  }
}
