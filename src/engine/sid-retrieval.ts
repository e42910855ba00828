/**
 * The generative path: prefix-constrained beam search over the semantic-ID trie (src/sid), code by
 * code, for each outcome/horizon query.
 *
 * The per-level code distribution comes from the same query embeddings as embedding retrieval: with
 * item probabilities p(i) = softmax_i(query · item_i) (masked items get 0), the probability of code c
 * after prefix P is mass(P+c) / mass(P), where mass(node) sums p over the items under that trie
 * node. A leaf's beam score is then exactly log p(item), and the beam prunes whole subtrees (SID
 * prefixes) whose items are unlikely. Masses are computed once per query, bottom-up over the trie
 * (children have larger node numbers than their parents in its BFS numbering).
 */
import { constrainedBeamSearchBatch } from '../sid/beam-search.ts';
import { deserializeSidArtifacts, type SidArtifacts } from '../sid/sid-table.ts';
import type { SidTrie } from '../sid/trie.ts';
import type { ArtifactRole } from '../model/manifest.ts';
import { ModelFormatError } from '../errors/errors.ts';
import { MASKED_SCORE } from './retrieval.ts';

/** Reads the SID artifacts (table and trie, one blob) from a model's `sid-codes` file, if it has one. */
export function readSidArtifacts(files: Map<ArtifactRole, ArrayBuffer>, itemCount: number): SidArtifacts | undefined {
  const buffer = files.get('sid-codes');
  if (!buffer) return undefined;
  let artifacts: SidArtifacts;
  try {
    artifacts = deserializeSidArtifacts(buffer);
  } catch (error) {
    throw new ModelFormatError(
      `The model's SID file cannot be read (${error instanceof Error ? error.message : String(error)}); re-export the model.`,
      { role: 'sid-codes' },
      { cause: error },
    );
  }
  if (artifacts.table.items !== itemCount) {
    throw new ModelFormatError(
      `The SID table covers ${artifacts.table.items} items but the model has ${itemCount}; re-export the model.`,
      { role: 'sid-codes' },
    );
  }
  return artifacts;
}

/** log(sum exp) of two log-values, safe for -Infinity. */
function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/** log mass of every trie node for one query row of item scores (unnormalised log-probabilities). */
export function subtreeLogMass(trie: SidTrie, scores: ArrayLike<number>): Float64Array {
  const mass = new Float64Array(trie.nodeCount).fill(-Infinity);
  for (let node = trie.nodeCount - 1; node >= 0; node--) {
    const item = trie.leafItem[node]!;
    if (item >= 0) {
      const s = scores[item]!;
      mass[node] = s > MASKED_SCORE / 10 ? s : -Infinity;
      continue;
    }
    let total = -Infinity;
    for (let e = trie.childStart[node]!; e < trie.childStart[node + 1]!; e++) total = logAddExp(total, mass[trie.childNode[e]!]!);
    mass[node] = total;
  }
  return mass;
}

/**
 * Beam search for every query row of `scores` (row-major [Q, itemCount], masked items at
 * `MASKED_SCORE`). Returns row-major [Q, beamWidth] item indices and log-probabilities, padded with
 * `MASKED_SCORE` where a query found fewer valid items.
 */
export function sidBeamSearch(
  trie: SidTrie,
  scores: Float32Array,
  itemCount: number,
  queries: number,
  beamWidth: number,
): { indices: Int32Array; scores: Float32Array } {
  const masses = Array.from({ length: queries }, (_, q) =>
    subtreeLogMass(trie, scores.subarray(q * itemCount, (q + 1) * itemCount)),
  );
  let vocab = 1;
  for (const code of trie.childCode) vocab = Math.max(vocab, code + 1);
  const nodeOf = (prefix: Int32Array): number => {
    let node = 0;
    for (const code of prefix) {
      let next = -1;
      for (let e = trie.childStart[node]!; e < trie.childStart[node + 1]!; e++) {
        if (trie.childCode[e] === code) {
          next = trie.childNode[e]!;
          break;
        }
      }
      node = next;
    }
    return node;
  };
  const hits = constrainedBeamSearchBatch(
    trie,
    queries,
    (queryOfBeam, beams) => {
      const out = new Float32Array(beams.length * vocab).fill(-Infinity);
      beams.forEach((prefix, b) => {
        const mass = masses[queryOfBeam[b]!]!;
        const node = nodeOf(prefix);
        const parent = mass[node]!;
        for (let e = trie.childStart[node]!; e < trie.childStart[node + 1]!; e++) {
          out[b * vocab + trie.childCode[e]!] = parent === -Infinity ? -Infinity : mass[trie.childNode[e]!]! - parent;
        }
      });
      return out;
    },
    beamWidth,
  );
  const indices = new Int32Array(queries * beamWidth);
  const logProbs = new Float32Array(queries * beamWidth).fill(MASKED_SCORE);
  hits.forEach((list, q) => {
    const rootMass = masses[q]![0]!;
    list.forEach((hit, j) => {
      indices[q * beamWidth + j] = hit.item;
      // The beam score telescopes to log p(item) = score(item) - log Σ mass; -Infinity -> masked.
      if (Number.isFinite(hit.score) && rootMass !== -Infinity) logProbs[q * beamWidth + j] = hit.score;
    });
  });
  return { indices, scores: logProbs };
}
