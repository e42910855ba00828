/**
 * Prefix-constrained beam search over semantic IDs.
 *
 * Generates full SIDs level by level. At each level a scoring callback gives log-probabilities of
 * every code for every live beam; only codes that are children of the beam's trie node are
 * considered, so no beam ever holds a prefix that no item has and every finished beam is an item.
 * Pure TypeScript: the callback can run TF.js on any backend, or anything else.
 */
import type { SidTrie } from './trie.ts';

/**
 * Scores one level: `beams` are the current prefixes (each of length `level`); returns row-major
 * [beams.length, vocab] log-probabilities (vocab = returned length / beams.length, and must cover
 * every valid code at this level).
 */
export type BeamScorer = (beams: Int32Array[], level: number) => Float32Array;

/**
 * Batched form: `queryOfBeam[b]` says which query beam b belongs to, so one call can score the
 * beams of many queries (e.g. many users) together.
 */
export type BatchBeamScorer = (queryOfBeam: Int32Array, beams: Int32Array[], level: number) => Float32Array;

/** One generated item. */
export interface BeamHit {
  item: number;
  /** Sum of the per-level log-probabilities along its SID. */
  score: number;
  sid: Int32Array;
}

interface Beam {
  node: number;
  prefix: Int32Array;
  score: number;
}

/** Options of a beam search. */
export interface BeamSearchOptions {
  /**
   * Leaves (items) query `query` may return; false drops the item at the last level, so its beam
   * slot goes to the next best item (e.g. items the user has seen). Default: every item.
   */
  allowItem?: (item: number, query: number) => boolean;
}

/** Beam search for one query; returns up to `beamWidth` items, best first. */
export function constrainedBeamSearch(
  trie: SidTrie,
  score: BeamScorer,
  beamWidth: number,
  options: BeamSearchOptions = {},
): BeamHit[] {
  return constrainedBeamSearchBatch(trie, 1, (_query, beams, level) => score(beams, level), beamWidth, options)[0]!;
}

/** Beam search for `queries` queries at once; returns, per query, up to `beamWidth` items, best first. */
export function constrainedBeamSearchBatch(
  trie: SidTrie,
  queries: number,
  score: BatchBeamScorer,
  beamWidth: number,
  options: BeamSearchOptions = {},
): BeamHit[][] {
  const search = new BeamSearchState(trie, queries, beamWidth, options);
  for (let level = 0; level < trie.depth; level++) {
    const step = search.pending();
    if (!step) break;
    search.advance(level, score(step.owner, step.prefixes, level));
  }
  return search.hits();
}

/**
 * The same search with an asynchronous scorer (a GPU read-back per level: `await tensor.data()` instead
 * of a blocking `dataSync`, which WebGPU in a worker must avoid).
 */
export async function constrainedBeamSearchBatchAsync(
  trie: SidTrie,
  queries: number,
  score: (queryOfBeam: Int32Array, beams: Int32Array[], level: number) => Promise<Float32Array>,
  beamWidth: number,
  options: BeamSearchOptions = {},
): Promise<BeamHit[][]> {
  const search = new BeamSearchState(trie, queries, beamWidth, options);
  for (let level = 0; level < trie.depth; level++) {
    const step = search.pending();
    if (!step) break;
    search.advance(level, await score(step.owner, step.prefixes, level));
  }
  return search.hits();
}

/**
 * The `k` best candidates, best first (ties: lower `order` first), without sorting them all: a
 * quickselect of the k-th best score, then a sort of the few at or above it. A level has beams x codes
 * candidates per query (12,800 for a beam of 50 over 256 codes) of which only `k` survive.
 */
export function bestFirst<T extends { score: number; order: number }>(candidates: T[], k: number): T[] {
  const byRank = (a: T, b: T): number => b.score - a.score || a.order - b.order;
  if (candidates.length <= k) return candidates.sort(byRank);
  const scores = Float64Array.from(candidates, (c) => c.score);
  // Quickselect (descending) for the k-th largest score.
  let lo = 0;
  let hi = scores.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = scores[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (scores[i]! > pivot) i++;
      while (scores[j]! < pivot) j--;
      if (i <= j) {
        const t = scores[i]!;
        scores[i] = scores[j]!;
        scores[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else break;
  }
  const threshold = scores[target]!;
  return candidates
    .filter((c) => c.score >= threshold)
    .sort(byRank)
    .slice(0, k);
}

/** The live beams of every query between levels (shared by the sync and async searches). */
class BeamSearchState {
  private beams: Beam[][];

  constructor(
    private readonly trie: SidTrie,
    queries: number,
    private readonly beamWidth: number,
    private readonly options: BeamSearchOptions,
  ) {
    if (!(beamWidth >= 1)) throw new Error('beamWidth must be at least 1');
    this.beams = Array.from({ length: queries }, () => [{ node: 0, prefix: new Int32Array(0), score: 0 }]);
  }

  /** The prefixes to score at `level` (all queries' beams, flattened) and their owners; null when none is left. */
  pending(): { owner: Int32Array; prefixes: Int32Array[] } | null {
    const prefixes: Int32Array[] = [];
    const owner: number[] = [];
    this.beams.forEach((list, q) => {
      for (const beam of list) {
        prefixes.push(beam.prefix);
        owner.push(q);
      }
    });
    return prefixes.length === 0 ? null : { owner: Int32Array.from(owner), prefixes };
  }

  /** Extends every beam along its trie children by the scores of `level` and keeps the best per query. */
  advance(level: number, logProbs: Float32Array): void {
    const trie = this.trie;
    const rowsCount = this.beams.reduce((n, list) => n + list.length, 0);
    if (logProbs.length % rowsCount !== 0) throw new Error(`scorer returned ${logProbs.length} values for ${rowsCount} beams`);
    const vocab = logProbs.length / rowsCount;
    const last = level === trie.depth - 1;
    const allow = this.options.allowItem;
    let row = 0;
    this.beams = this.beams.map((list, query) => {
      const candidates: { beam: Beam; code: number; child: number; score: number; order: number }[] = [];
      for (const beam of list) {
        const base = row++ * vocab;
        for (let e = trie.childStart[beam.node]!; e < trie.childStart[beam.node + 1]!; e++) {
          const code = trie.childCode[e]!;
          if (code >= vocab) throw new Error(`scorer vocab ${vocab} at level ${level} does not cover code ${code}`);
          const child = trie.childNode[e]!;
          if (last && allow && !allow(trie.leafItem[child]!, query)) continue;
          const s = beam.score + logProbs[base + code]!;
          candidates.push({ beam, code, child, score: Number.isNaN(s) ? -Infinity : s, order: candidates.length });
        }
      }
      return bestFirst(candidates, this.beamWidth).map((c) => {
        const prefix = new Int32Array(level + 1);
        prefix.set(c.beam.prefix, 0);
        prefix[level] = c.code;
        return { node: c.child, prefix, score: c.score };
      });
    });
  }

  /** Finished beams as items, best first per query. */
  hits(): BeamHit[][] {
    return this.beams.map((list) => list.map((b) => ({ item: this.trie.leafItem[b.node]!, score: b.score, sid: b.prefix })));
  }
}
