/**
 * Item-to-item co-occurrence (item-kNN) baseline.
 *
 * Fit: for every pair of items, count co-occurrences in the training prefixes: either within the same user
 * (`window = 0`: cosine over the binary user x item incidence) or within `window` positions of each other in
 * a user's sequence (`forward`: only pairs where the second item comes after the first, i.e. "i then j").
 * Similarity = count(i, j) / sqrt(n_i * n_j) (n = users holding the item, or its occurrences in window mode);
 * each item keeps its `neighbors` most similar items.
 *
 * Score: for the `lastN` most recent distinct history items h_0 (newest), h_1, ...:
 * score(j) = sum_r decay^r * sim(h_r, j), plus 1e-6 * popularity(j) / max popularity so that items without
 * any similarity are ordered by popularity instead of tying.
 */
import type { EvalCase } from '../../data/splits.ts';
import { evaluate, type FitContext, type EvalRecommender, type UserHistory } from '../evaluate.ts';

export interface CoocParams {
  /** Co-occurrence window in positions; 0 = whole user (default 0). */
  window: number;
  /** Window mode only: count only pairs (earlier i, later j) (default false = both directions). */
  forward: boolean;
  /** Neighbours kept per item (default 200). */
  neighbors: number;
  /** Most recent distinct history items used when scoring (default 20). */
  lastN: number;
  /** Weight multiplier per step back in the history (default 0.8). */
  decay: number;
}

export const DEFAULT_COOC_PARAMS: CoocParams = { window: 0, forward: false, neighbors: 200, lastN: 20, decay: 0.8 };

/** Parses `key=value,...` over CoocParams (unknown keys are an error). */
export function parseCoocParams(text: string | undefined, base: CoocParams = DEFAULT_COOC_PARAMS): CoocParams {
  const params = { ...base };
  if (!text) return params;
  for (const part of text.split(',')) {
    const [key, value] = part.split('=').map((s) => s.trim()) as [string, string | undefined];
    if (!(key in params) || value === undefined) {
      throw new Error(`cooc parameter "${part}" is not one of ${Object.keys(params).join(', ')} as key=value`);
    }
    if (key === 'forward') params.forward = value === 'true' || value === '1';
    else {
      const number = Number(value);
      if (!Number.isFinite(number)) throw new Error(`cooc parameter ${key} must be a number, got "${value}"`);
      (params as unknown as Record<string, number>)[key] = number;
    }
  }
  return params;
}

/** Formats params as the `key=value,...` string parseCoocParams reads. */
export function formatCoocParams(p: CoocParams): string {
  return `window=${p.window},forward=${p.forward},neighbors=${p.neighbors},lastN=${p.lastN},decay=${p.decay}`;
}

/** Sparse top-neighbour lists in CSR form: neighbours of i are at [start[i], start[i+1]). */
interface NeighborTable {
  start: Int32Array;
  item: Int32Array;
  sim: Float32Array;
}

export class CoocRecommender implements EvalRecommender {
  readonly name = 'cooc';
  params: CoocParams;
  private table: NeighborTable | undefined;
  private popularity = new Float32Array(0);
  private itemCount = 0;

  constructor(params: Partial<CoocParams> = {}) {
    this.params = { ...DEFAULT_COOC_PARAMS, ...params };
  }

  fit(context: FitContext): void {
    const n = context.dataset.catalog.ids.length;
    this.itemCount = n;
    const { window, forward, neighbors } = this.params;

    const popularity = new Float32Array(n);
    for (const seq of context.train) for (let e = 0; e < seq.items.length; e++) popularity[seq.items[e]!]!++;
    let maxPop = 1;
    for (const p of popularity) maxPop = Math.max(maxPop, p);
    this.popularity = popularity.map((p) => p / maxPop);

    // Contexts per item: for window 0, the distinct items of each user holding it; otherwise the positions
    // around each occurrence. Both are walked from an item -> (user, position) occurrence index.
    const sequences = context.train.map((s) => (window === 0 ? Int32Array.from(new Set(s.items)) : s.items));
    const occStart = new Int32Array(n + 1);
    for (const seq of sequences) for (let p = 0; p < seq.length; p++) occStart[seq[p]! + 1]!++;
    for (let i = 0; i < n; i++) occStart[i + 1]! += occStart[i]!;
    const occUser = new Int32Array(occStart[n]!);
    const occPos = new Int32Array(occStart[n]!);
    const cursor = occStart.slice(0, n);
    sequences.forEach((seq, u) => {
      for (let p = 0; p < seq.length; p++) {
        const c = cursor[seq[p]!]!++;
        occUser[c] = u;
        occPos[c] = p;
      }
    });
    const norm = new Float64Array(n);
    for (let i = 0; i < n; i++) norm[i] = Math.sqrt(occStart[i + 1]! - occStart[i]!);

    const acc = new Float32Array(n);
    const touched: number[] = [];
    const start = new Int32Array(n + 1);
    const items: number[] = [];
    const sims: number[] = [];
    for (let i = 0; i < n; i++) {
      touched.length = 0;
      for (let o = occStart[i]!; o < occStart[i + 1]!; o++) {
        const seq = sequences[occUser[o]!]!;
        const p = occPos[o]!;
        const lo = window === 0 ? 0 : forward ? p + 1 : Math.max(0, p - window);
        const hi = window === 0 ? seq.length : Math.min(seq.length, p + window + 1);
        for (let q = lo; q < hi; q++) {
          const j = seq[q]!;
          if (j === i) continue;
          if (acc[j] === 0) touched.push(j);
          acc[j]! += 1;
        }
      }
      // Keep the `neighbors` most similar (ties: lower item index).
      const scored = touched.map((j) => ({ j, s: acc[j]! / (norm[i]! * norm[j]!) }));
      for (const j of touched) acc[j] = 0;
      scored.sort((a, b) => b.s - a.s || a.j - b.j);
      const keep = Math.min(neighbors, scored.length);
      for (let r = 0; r < keep; r++) {
        items.push(scored[r]!.j);
        sims.push(scored[r]!.s);
      }
      start[i + 1] = items.length;
    }
    this.table = { start, item: Int32Array.from(items), sim: Float32Array.from(sims) };
  }

  async scoreBatch(histories: UserHistory[], out: Float32Array): Promise<void> {
    const table = this.table;
    if (!table) throw new Error('cooc: fit() must run before scoreBatch()');
    const n = this.itemCount;
    const { lastN, decay } = this.params;
    for (let b = 0; b < histories.length; b++) {
      const offset = b * n;
      for (let j = 0; j < n; j++) out[offset + j] = 1e-6 * this.popularity[j]!;
      const items = histories[b]!.items;
      const used = new Set<number>();
      let weight = 1;
      for (let h = items.length - 1; h >= 0 && used.size < lastN; h--) {
        const i = items[h]!;
        if (used.has(i)) continue;
        used.add(i);
        for (let e = table.start[i]!; e < table.start[i + 1]!; e++) out[offset + table.item[e]!]! += weight * table.sim[e]!;
        weight *= decay;
      }
    }
  }
}

/** One row of a tuning grid: the parameters and the validation metrics they reached. */
export interface CoocTuningRow {
  params: CoocParams;
  validation: Record<string, number>;
}

/**
 * Small grid search on the VALIDATION cases (masked NDCG@10 decides): fits once per co-occurrence setting
 * (window/forward), scores every (lastN, decay). Returns all rows and the best parameters.
 */
export async function tuneCooc(
  context: FitContext,
  grid: { window: number[]; forward: boolean[]; lastN: number[]; decay: number[]; neighbors?: number },
  validation: EvalCase[],
  onRow?: (row: CoocTuningRow) => void,
): Promise<{ rows: CoocTuningRow[]; best: CoocParams }> {
  const rows: CoocTuningRow[] = [];
  let best: CoocTuningRow | undefined;
  for (const window of grid.window) {
    for (const forward of window === 0 ? [false] : grid.forward) {
      const model = new CoocRecommender({ window, forward, neighbors: grid.neighbors ?? DEFAULT_COOC_PARAMS.neighbors });
      model.fit(context);
      for (const lastN of grid.lastN) {
        for (const decay of lastN === 1 ? [1] : grid.decay) {
          model.params = { ...model.params, lastN, decay };
          const result = await evaluate(model, validation, {
            itemCount: context.dataset.catalog.ids.length,
            ks: [10],
            lists: false,
          });
          const row = { params: { ...model.params }, validation: result.masked };
          rows.push(row);
          onRow?.(row);
          if (!best || row.validation['NDCG@10']! > best.validation['NDCG@10']!) best = row;
        }
      }
    }
  }
  return { rows, best: best!.params };
}
