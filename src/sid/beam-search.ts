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

/** Beam search for one query; returns up to `beamWidth` items, best first. */
export function constrainedBeamSearch(trie: SidTrie, score: BeamScorer, beamWidth: number): BeamHit[] {
  return constrainedBeamSearchBatch(trie, 1, (_query, beams, level) => score(beams, level), beamWidth)[0]!;
}

/** Beam search for `queries` queries at once; returns, per query, up to `beamWidth` items, best first. */
export function constrainedBeamSearchBatch(
  trie: SidTrie,
  queries: number,
  score: BatchBeamScorer,
  beamWidth: number,
): BeamHit[][] {
  if (!(beamWidth >= 1)) throw new Error('beamWidth must be at least 1');
  let beams: Beam[][] = Array.from({ length: queries }, () => [{ node: 0, prefix: new Int32Array(0), score: 0 }]);
  for (let level = 0; level < trie.depth; level++) {
    const flat: Int32Array[] = [];
    const owner: number[] = [];
    beams.forEach((list, q) => {
      for (const beam of list) {
        flat.push(beam.prefix);
        owner.push(q);
      }
    });
    if (flat.length === 0) break;
    const logProbs = score(Int32Array.from(owner), flat, level);
    if (logProbs.length % flat.length !== 0)
      throw new Error(`scorer returned ${logProbs.length} values for ${flat.length} beams`);
    const vocab = logProbs.length / flat.length;
    let row = 0;
    beams = beams.map((list) => {
      const candidates: { beam: Beam; code: number; child: number; score: number; order: number }[] = [];
      for (const beam of list) {
        const base = row++ * vocab;
        for (let e = trie.childStart[beam.node]!; e < trie.childStart[beam.node + 1]!; e++) {
          const code = trie.childCode[e]!;
          if (code >= vocab) throw new Error(`scorer vocab ${vocab} at level ${level} does not cover code ${code}`);
          const s = beam.score + logProbs[base + code]!;
          candidates.push({
            beam,
            code,
            child: trie.childNode[e]!,
            score: Number.isNaN(s) ? -Infinity : s,
            order: candidates.length,
          });
        }
      }
      candidates.sort((a, b) => b.score - a.score || a.order - b.order);
      return candidates.slice(0, beamWidth).map((c) => {
        const prefix = new Int32Array(level + 1);
        prefix.set(c.beam.prefix, 0);
        prefix[level] = c.code;
        return { node: c.child, prefix, score: c.score };
      });
    });
  }
  return beams.map((list) => list.map((b) => ({ item: trie.leafItem[b.node]!, score: b.score, sid: b.prefix })));
}
