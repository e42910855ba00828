/**
 * Generative retrieval on the decoder: the SID head (src/model/sid-head.ts) reads the decoder's
 * outcome/horizon-conditioned query and the PrefixMem embedding of the prefix decoded so far, and
 * predicts the item's semantic ID code by code (TIGER-style; PrefixMem arXiv 2606.00324).
 *
 * - Training (teacher forcing): for a query and its target item, position l gets the PrefixMem
 *   embedding of the target's code at l - 1 as context; the loss is the cross-entropy summed over all
 *   SID positions (K codes per level, then the disambiguation code).
 * - Generation: prefix-constrained beam search over the trie (src/sid/beam-search.ts). Per level one
 *   small head pass over the live beams ([beams, d] x [d, hidden], [hidden, K]) plus PrefixMem lookups
 *   of the beams' prefixes; the item table is never read, so the cost does not grow with the catalog.
 *   All queries (outcomes x horizons, or users in evaluation) are searched in one batch.
 *
 * Browser-safe: core TF.js ops; the per-level top-k over trie children runs on the host over the
 * [beams, K] log-probabilities read back per level.
 */
import * as tf from '@tensorflow/tfjs-core';
import { constrainedBeamSearchBatchAsync, type BeamHit } from '../sid/beam-search.ts';
import { hashPrefixRows, prefixHashIndices } from '../sid/prefix-hash.ts';
import { addItem, type SidTable } from '../sid/sid-table.ts';
import { buildTrie, trieNode, type SidTrie } from '../sid/trie.ts';
import { prefixHashConfigOf, type PrefixMem } from './prefixmem.ts';
import { crossEntropy, logSoftmax, SidHead, sidVocabSizes, type SidHeadConfig } from './sid-head.ts';

/** What the manifest's `model.sidHead` holds: the head's shape (its tensors are `sidhead.*`). */
export type SidHeadSection = SidHeadConfig;

/** The head config for a decoder of width `dim` over a SID table and its PrefixMem (hidden width default 2 x dim). */
export function sidHeadConfigFor(
  sids: { table: SidTable; prefixMem: PrefixMem },
  dim: number,
  hiddenDim = 2 * dim,
): SidHeadConfig {
  return { vocabSizes: sidVocabSizes(sids.table), queryDim: dim, prefixDim: sids.prefixMem.config.dim, hiddenDim };
}

/** One generated candidate list per query: items best first with their SID log-probabilities. */
export interface SidGeneration {
  items: Int32Array;
  /** log p(SID | query), summed over levels. */
  scores: Float32Array;
}

/**
 * The SID head bound to the model's PrefixMem and SID table. Holds no tensors of its own and nothing
 * sized by the catalog besides the table and trie (host arrays): prefixes are hashed when needed.
 */
export class SidDecoding {
  private trieCache?: SidTrie;
  private currentTable: SidTable;
  /** Items the head was trained with; rows from here on were added (`addItems`). */
  private readonly trainedItems: number;

  constructor(
    readonly head: SidHead,
    readonly prefixMem: PrefixMem,
    table: SidTable,
    trie?: SidTrie,
  ) {
    this.currentTable = table;
    this.trainedItems = table.items;
    if (head.levels !== table.sidLength)
      throw new Error(`SID head predicts ${head.levels} positions but SIDs have ${table.sidLength}`);
    const vocab = sidVocabSizes(table);
    head.config.vocabSizes.forEach((v, l) => {
      if (v < vocab[l]!) throw new Error(`SID head position ${l} has ${v} codes, the SID table needs ${vocab[l]}`);
    });
    this.trieCache = trie;
  }

  /** The SID table, including items added after training (`addItems`). */
  get table(): SidTable {
    return this.currentTable;
  }

  /**
   * Cold start: adds items known only by their quantization codes (from their content with the
   * trained codebooks: src/sid `coldItemVector` -> `encodeVector`), each with the next free
   * disambiguation code under its prefix. They can be generated at once (the head scores codes, it
   * has no per-item weights). Its disambiguation code was never trained, so at that last level an
   * added item scores like its most likely trained sibling (same content codes). Returns the new
   * items' rows (after the existing ones).
   */
  addItems(quantCodes: ArrayLike<number>[]): number[] {
    const rows: number[] = [];
    let table = this.currentTable;
    let trie = this.trie;
    for (const codes of quantCodes) {
      const added = addItem(table, trie, codes);
      ({ table, trie } = added);
      rows.push(added.item);
    }
    this.currentTable = table;
    this.trieCache = trie;
    return rows;
  }

  /** The prefix trie over the current SID table (built on first use). */
  get trie(): SidTrie {
    this.trieCache ??= buildTrie(this.currentTable);
    return this.trieCache;
  }

  /** The head's query input: unit queries [n, d] scaled by sqrt(d), so its entries are O(1). */
  private headQuery(queries: tf.Tensor2D): tf.Tensor2D {
    return tf.mul(queries, Math.sqrt(queries.shape[1])) as tf.Tensor2D;
  }

  /**
   * Teacher-forced SID cross-entropy, summed over positions and averaged over rows: queries [n, d]
   * (the decoder's unit queries), targets int32 [n] item rows. Call inside a gradient tape / tidy.
   */
  teacherForcedLoss(queries: tf.Tensor2D, targets: Int32Array): tf.Scalar {
    return tf.tidy(() => {
      const table = this.table;
      const L = table.sidLength;
      const n = targets.length;
      const q = this.headQuery(queries);
      const codes = new Int32Array(n * L);
      targets.forEach((t, i) => codes.set(table.codes.subarray(t * L, (t + 1) * L), i * L));
      const hash = prefixHashIndices(codes, n, L, L, prefixHashConfigOf(this.prefixMem.config));
      const levels = this.prefixMem.embedLevels(
        tf.tensor2d(codes, [n, L], 'int32'),
        tf.tensor3d(hash, [n, L, this.prefixMem.slots], 'int32'),
      ); // [n, L, dim]
      const dim = levels.shape[2];
      let total: tf.Scalar = tf.scalar(0);
      for (let l = 0; l < L; l++) {
        const context = l === 0 ? null : (tf.reshape(tf.slice(levels, [0, l - 1, 0], [n, 1, dim]), [n, dim]) as tf.Tensor2D);
        const target = Int32Array.from({ length: n }, (_, i) => codes[i * L + l]!);
        total = tf.add(total, crossEntropy(this.head.logits(q, context, l), tf.tensor1d(target, 'int32')));
      }
      return total;
    });
  }

  /**
   * Log-probabilities [beams, vocab_level] of the next code for each beam: `queryRows` [beams, d] are
   * the beams' (unit) queries, `prefixes` their codes so far (each of length `level`).
   */
  levelLogProbs(queryRows: tf.Tensor2D, prefixes: Int32Array[], level: number): tf.Tensor2D {
    return tf.tidy(() => {
      let context: tf.Tensor2D | null = null;
      if (level > 0) {
        const n = prefixes.length;
        const mem = this.prefixMem;
        const slots = mem.slots;
        const codes = new Int32Array(n * level);
        prefixes.forEach((p, i) => codes.set(p, i * level));
        const rows = new Int32Array(n * level * slots);
        const hashConfig = prefixHashConfigOf(mem.config);
        for (let i = 0; i < n; i++) hashPrefixRows(codes, i * level, level, hashConfig, rows, i * level * slots);
        const levels = mem.embedLevels(tf.tensor2d(codes, [n, level], 'int32'), tf.tensor3d(rows, [n, level, slots], 'int32'));
        const dim = levels.shape[2];
        context = tf.reshape(tf.slice(levels, [0, level - 1, 0], [n, 1, dim]), [n, dim]) as tf.Tensor2D;
      }
      return logSoftmax(this.head.logits(this.headQuery(queryRows), context, level));
    });
  }

  /**
   * Beam search for every row of `queries` [Q, d] at once: per query up to `beamWidth` items, best
   * first. `allowItem(item, row)` false drops an item (seen, filtered) for that query row at the last level.
   */
  async generate(
    queries: tf.Tensor2D,
    beamWidth: number,
    allowItem?: (item: number, row: number) => boolean,
  ): Promise<SidGeneration[]> {
    const hits: BeamHit[][] = await constrainedBeamSearchBatchAsync(
      this.trie,
      queries.shape[0],
      async (owner, prefixes, level) => {
        const logProbs = tf.tidy(() =>
          this.levelLogProbs(tf.gather(queries, tf.tensor1d(owner, 'int32')) as tf.Tensor2D, prefixes, level),
        );
        const values = (await logProbs.data()) as Float32Array;
        logProbs.dispose();
        return this.scoreAddedItems(values, prefixes, level);
      },
      beamWidth,
      allowItem ? { allowItem } : {},
    );
    return hits.map((list) => ({
      items: Int32Array.from(list, (h) => h.item),
      scores: Float32Array.from(list, (h) => h.score),
    }));
  }

  /**
   * At the last (disambiguation) level, once items were added: widens the [rows, vocab] log-probabilities
   * to every code in use and gives each added leaf the log-probability of its best trained sibling
   * (none: of the best trained code). Other levels and models without added items pass through.
   */
  private scoreAddedItems(values: Float32Array, prefixes: Int32Array[], level: number): Float32Array {
    const table = this.currentTable;
    if (table.items === this.trainedItems || level !== table.sidLength - 1) return values;
    const vocab = this.head.config.vocabSizes[level]!;
    const width = Math.max(vocab, table.disambiguationSize);
    const out = new Float32Array(prefixes.length * width).fill(-Infinity);
    const trie = this.trie;
    prefixes.forEach((prefix, r) => {
      const row = values.subarray(r * vocab, (r + 1) * vocab);
      out.set(row, r * width);
      const node = trieNode(trie, prefix);
      if (node < 0) return;
      let best = -Infinity;
      for (let e = trie.childStart[node]!; e < trie.childStart[node + 1]!; e++)
        if (trie.leafItem[trie.childNode[e]!]! < this.trainedItems && trie.childCode[e]! < vocab)
          best = Math.max(best, row[trie.childCode[e]!]!);
      if (best === -Infinity) best = Math.max(...row);
      for (let e = trie.childStart[node]!; e < trie.childStart[node + 1]!; e++)
        if (trie.leafItem[trie.childNode[e]!]! >= this.trainedItems) out[r * width + trie.childCode[e]!] = best;
    });
    return out;
  }
}
