/**
 * Ranking metrics over a FULL ranking of the catalog (no sampled negatives).
 *
 * Tie rule (pessimistic): the 0-based rank of a target is the number of OTHER candidate items whose score is
 * >= the target's score. A model that scores everything equal therefore ranks every target last, never first;
 * a NaN target score counts as the worst score. Masking removes items from the candidate set: masked items
 * never count against the target (the target itself is never masked).
 *
 * Ordered top-k lists (for recall over a window, coverage and the top-100 TSV) sort by score descending and
 * break ties by the lower item index; masked items and NaN scores are never listed.
 *
 * HR@k = [rank < k]; NDCG@k = [rank < k] / log2(rank + 2) (one relevant item, so IDCG = 1); MRR = 1 / (rank + 1)
 * over the full ranking (no cut-off). Each is averaged over evaluation cases.
 */

/** A score vector, or one row of a batch: `scores[offset + item]` for item in [0, itemCount). */
export type ScoreRow = Float32Array | Float64Array;

/**
 * Pessimistic 0-based rank of `target` among items [0, itemCount) of the row at `offset`.
 * `excluded` lists masked items (deduplicated, never containing `target`); they are not candidates.
 */
export function rankOf(
  scores: ScoreRow,
  target: number,
  itemCount = scores.length,
  offset = 0,
  excluded: ArrayLike<number> = [],
): number {
  const s = scores[offset + target]!;
  if (Number.isNaN(s)) return itemCount - 1 - excluded.length;
  let atLeast = 0;
  for (let j = offset, end = offset + itemCount; j < end; j++) if (scores[j]! >= s) atLeast++;
  atLeast -= 1; // the target itself
  for (let m = 0; m < excluded.length; m++) if (scores[offset + excluded[m]!]! >= s) atLeast--;
  return atLeast;
}

/** HR@k for one case: 1 when the 0-based rank is inside the top k. */
export function hitAt(rank: number, k: number): number {
  return rank < k ? 1 : 0;
}

/** NDCG@k for one case with a single relevant item. */
export function ndcgAt(rank: number, k: number): number {
  return rank < k ? 1 / Math.log2(rank + 2) : 0;
}

/** Reciprocal rank for one case (full ranking). */
export function reciprocalRank(rank: number): number {
  return 1 / (rank + 1);
}

/**
 * The k best items of one row, best first (ties: lower item index first). `excluded[item] === stamp` marks a
 * masked item (a stamp array avoids clearing a mask per user); pass no mask for the unmasked list.
 */
export function topK(
  scores: ScoreRow,
  k: number,
  itemCount = scores.length,
  offset = 0,
  excluded?: Int32Array,
  stamp = 1,
): Int32Array {
  // Min-heap of (score, item) where "smaller" = worse = lower score, or equal score and higher index.
  const heapItems = new Int32Array(k);
  const heapScores = new Float64Array(k);
  let size = 0;
  const worse = (sa: number, ia: number, sb: number, ib: number) => sa < sb || (sa === sb && ia > ib);
  const siftDown = (start: number) => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && worse(heapScores[l]!, heapItems[l]!, heapScores[m]!, heapItems[m]!)) m = l;
      if (r < size && worse(heapScores[r]!, heapItems[r]!, heapScores[m]!, heapItems[m]!)) m = r;
      if (m === i) return;
      const ts = heapScores[i]!;
      const ti = heapItems[i]!;
      heapScores[i] = heapScores[m]!;
      heapItems[i] = heapItems[m]!;
      heapScores[m] = ts;
      heapItems[m] = ti;
      i = m;
    }
  };
  for (let item = 0; item < itemCount; item++) {
    const s = scores[offset + item]!;
    if (Number.isNaN(s) || (excluded !== undefined && excluded[item] === stamp)) continue;
    if (size < k) {
      // sift up
      let i = size++;
      heapScores[i] = s;
      heapItems[i] = item;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!worse(heapScores[i]!, heapItems[i]!, heapScores[p]!, heapItems[p]!)) break;
        const ts = heapScores[i]!;
        const ti = heapItems[i]!;
        heapScores[i] = heapScores[p]!;
        heapItems[i] = heapItems[p]!;
        heapScores[p] = ts;
        heapItems[p] = ti;
        i = p;
      }
    } else if (k > 0 && worse(heapScores[0]!, heapItems[0]!, s, item)) {
      heapScores[0] = s;
      heapItems[0] = item;
      siftDown(0);
    }
  }
  const order = Array.from({ length: size }, (_, i) => i).sort(
    (a, b) => heapScores[b]! - heapScores[a]! || heapItems[a]! - heapItems[b]!,
  );
  return Int32Array.from(order, (i) => heapItems[i]!);
}

/**
 * Unordered recall@k over a future window: |top-k ∩ T| / |T|, T = the distinct target items.
 * `list` is an ordered top list (at least k long where the catalog allows).
 */
export function recallAt(list: ArrayLike<number>, k: number, targets: ReadonlySet<number>): number {
  if (targets.size === 0) return 0;
  let hits = 0;
  const n = Math.min(k, list.length);
  for (let r = 0; r < n; r++) if (targets.has(list[r]!)) hits++;
  return hits / targets.size;
}

/** Coverage: distinct items appearing in any user's top-k, divided by the catalog size. */
export function coverageAt(lists: ArrayLike<number>[], k: number, itemCount: number): number {
  const seen = new Uint8Array(itemCount);
  let distinct = 0;
  for (const list of lists) {
    const n = Math.min(k, list.length);
    for (let r = 0; r < n; r++) {
      const item = list[r]!;
      if (!seen[item]) {
        seen[item] = 1;
        distinct++;
      }
    }
  }
  return itemCount === 0 ? 0 : distinct / itemCount;
}

/** Running means of HR@k, NDCG@k and MRR over cases, from pessimistic ranks. */
export class RankMetrics {
  private readonly hits: number[];
  private readonly ndcgs: number[];
  private rr = 0;
  count = 0;
  constructor(readonly ks: number[]) {
    this.hits = ks.map(() => 0);
    this.ndcgs = ks.map(() => 0);
  }
  add(rank: number): void {
    this.count++;
    this.rr += reciprocalRank(rank);
    this.ks.forEach((k, i) => {
      this.hits[i]! += hitAt(rank, k);
      this.ndcgs[i]! += ndcgAt(rank, k);
    });
  }
  /** `{ 'HR@10': .., 'NDCG@10': .., ..., MRR: .. }` (0 when no cases). */
  result(): Record<string, number> {
    const c = Math.max(1, this.count);
    const out: Record<string, number> = {};
    this.ks.forEach((k, i) => {
      out[`HR@${k}`] = this.hits[i]! / c;
      out[`NDCG@${k}`] = this.ndcgs[i]! / c;
    });
    out.MRR = this.rr / c;
    return out;
  }
}

/**
 * Running means of recall@k over windows, overall and per target outcome: for outcome o, the mean over cases
 * whose window holds at least one o-event of |top-k ∩ T_o| / |T_o| (T_o = distinct items the user took with
 * outcome o). With a one-event window this is HR@k restricted to targets of that outcome.
 */
export class RecallMetrics {
  private readonly sums: number[];
  private readonly perOutcome = new Map<number, { sums: number[]; count: number }>();
  count = 0;
  constructor(readonly ks: number[]) {
    this.sums = ks.map(() => 0);
  }
  add(list: ArrayLike<number>, targetItems: ArrayLike<number>, targetOutcomes: ArrayLike<number>): void {
    this.count++;
    const all = new Set<number>();
    const byOutcome = new Map<number, Set<number>>();
    for (let t = 0; t < targetItems.length; t++) {
      all.add(targetItems[t]!);
      const o = targetOutcomes[t]!;
      let set = byOutcome.get(o);
      if (!set) byOutcome.set(o, (set = new Set()));
      set.add(targetItems[t]!);
    }
    this.ks.forEach((k, i) => (this.sums[i]! += recallAt(list, k, all)));
    for (const [o, set] of byOutcome) {
      let entry = this.perOutcome.get(o);
      if (!entry) this.perOutcome.set(o, (entry = { sums: this.ks.map(() => 0), count: 0 }));
      entry.count++;
      this.ks.forEach((k, i) => (entry.sums[i]! += recallAt(list, k, set)));
    }
  }
  /** `{ 'Recall@10': .. }`. */
  result(): Record<string, number> {
    const c = Math.max(1, this.count);
    return Object.fromEntries(this.ks.map((k, i) => [`Recall@${k}`, this.sums[i]! / c]));
  }
  /** `{ love: { cases, 'Recall@10': .. }, ... }` keyed by outcome name. */
  perOutcomeResult(outcomeNames: string[]): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const [o, entry] of [...this.perOutcome].sort((a, b) => a[0] - b[0])) {
      const row: Record<string, number> = { cases: entry.count };
      this.ks.forEach((k, i) => (row[`Recall@${k}`] = entry.sums[i]! / entry.count));
      out[outcomeNames[o] ?? String(o)] = row;
    }
    return out;
  }
}
