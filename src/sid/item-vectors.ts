/**
 * Item vectors that residual quantization turns into semantic IDs.
 *
 * Three optional parts, each reduced to `dim` columns and L2-normalised per item, then scaled by its
 * weight and concatenated (a weight of 0 drops the part):
 * - content: the item's catalog tokens (`ItemCatalog.features`) -> TF-IDF weights -> a seeded sparse random projection to `dim` (each token's projection row is
 *   generated from a hash of the token, so a new item with new tokens is projected with no stored
 *   matrix: this is what makes cold start work);
 * - collaborative: a positive-PMI item co-occurrence matrix built from TRAIN sequences only (pairs
 *   within `window` positions), factorised by randomized truncated SVD (rows of U sqrt(S));
 * - supplied: `ItemCatalog.vectors` when the user provided vectors (kept at their own width).
 *
 * Concatenating normalised parts makes squared distances a weighted sum of per-part squared
 * distances, so the weights say directly how much each signal shapes the codes. Which parts a
 * dataset uses is a config object (`ItemVectorConfig`); `DEFAULT_VECTOR_CONFIGS` holds the
 * per-dataset defaults.
 */
import type { ItemCatalog } from '../data/types.ts';
import { normalizeRows, symmetricSparseEmbedding, type CsrMatrix } from './linalg.ts';
import { SeededRng, hashString } from '../util/rng.ts';

/** How to build item vectors for one dataset. */
export interface ItemVectorConfig {
  /** Weight of the content part (0 = off). */
  content: number;
  /** Weight of the collaborative (co-occurrence SVD) part (0 = off). */
  collaborative: number;
  /** Weight of user-supplied `ItemCatalog.vectors` (0 = off; ignored when the catalog has none). */
  supplied: number;
  /** Width of the content and collaborative parts. */
  dim: number;
  /** Co-occurrence window in positions for the collaborative part. */
  window: number;
  /** Seed for the random projection and the randomized SVD. */
  seed: number;
}

/** Fallback config: content and collaborative signal, equally weighted, 64 columns each. */
export const BASE_VECTOR_CONFIG: ItemVectorConfig = { content: 1, collaborative: 1, supplied: 1, dim: 64, window: 5, seed: 0 };

/**
 * Per-dataset defaults (merged over BASE_VECTOR_CONFIG). ml-latest-small has only 610 users and
 * most of its 9.7k items are seen by one or two of them, so its co-occurrence signal is thin and
 * gets half weight; Beauty's sequences are short (8.9 events), so its window covers them whole.
 */
export const DEFAULT_VECTOR_CONFIGS: Record<string, Partial<ItemVectorConfig>> = {
  'ml-1m': { content: 1, collaborative: 1, window: 5 },
  'ml-latest-small': { content: 1, collaborative: 0.5, window: 5 },
  beauty: { content: 1, collaborative: 1, window: 10 },
  sports: { content: 1, collaborative: 1, window: 10 },
};

/** The config for a dataset name, with explicit overrides applied last. */
export function vectorConfigFor(datasetName: string, overrides: Partial<ItemVectorConfig> = {}): ItemVectorConfig {
  return { ...BASE_VECTOR_CONFIG, ...(DEFAULT_VECTOR_CONFIGS[datasetName] ?? {}), ...overrides };
}

/** The fitted content model: token IDFs plus projection seed; enough to vectorise a new item. */
export interface ContentVectorizer {
  dim: number;
  seed: number;
  /** Token -> inverse document frequency, fitted on the catalog. */
  idf: Map<string, number>;
  /** IDF given to a token never seen in the catalog (that of a token seen once). */
  unseenIdf: number;
}

/** The content tokens of item `index` (the importers already add `year:` / `decade:` tokens). */
export function itemTokens(catalog: ItemCatalog, index: number): readonly string[] {
  return catalog.features[index] ?? [];
}

/** Fits IDFs (smooth: ln((1+N)/(1+df)) + 1) over the catalog's content tokens. */
export function fitContentVectorizer(catalog: ItemCatalog, dim: number, seed: number): ContentVectorizer {
  const n = catalog.ids.length;
  const df = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    for (const token of new Set(itemTokens(catalog, i))) df.set(token, (df.get(token) ?? 0) + 1);
  }
  const idf = new Map<string, number>();
  for (const [token, count] of df) idf.set(token, Math.log((1 + n) / (1 + count)) + 1);
  return { dim, seed, idf, unseenIdf: Math.log((1 + n) / 2) + 1 };
}

/** The projection row of one token: dim standard normals from a generator seeded by the token's hash. */
function tokenProjection(token: string, dim: number, seed: number, out: Float64Array): void {
  const rng = new SeededRng(hashString(token, seed));
  for (let d = 0; d < dim; d++) out[d] = rng.normal();
}

/**
 * Content vector of one token list: sum over distinct tokens of tf * idf * projection(token),
 * L2-normalised (all zeros when the item has no tokens).
 */
export function contentVector(model: ContentVectorizer, tokens: readonly string[]): Float32Array {
  const counts = new Map<string, number>();
  for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
  const sum = new Float64Array(model.dim);
  const row = new Float64Array(model.dim);
  for (const [token, tf] of [...counts].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    const weight = tf * (model.idf.get(token) ?? model.unseenIdf);
    tokenProjection(token, model.dim, model.seed, row);
    for (let d = 0; d < model.dim; d++) sum[d]! += weight * row[d]!;
  }
  const out = Float32Array.from(sum);
  normalizeRows(out, 1, model.dim);
  return out;
}

/** Content vectors of the whole catalog, [items, dim], rows L2-normalised. */
export function contentVectors(catalog: ItemCatalog, model: ContentVectorizer): Float32Array {
  const n = catalog.ids.length;
  const out = new Float32Array(n * model.dim);
  const cache = new Map<string, Float64Array>();
  for (let i = 0; i < n; i++) {
    const counts = new Map<string, number>();
    for (const token of itemTokens(catalog, i)) counts.set(token, (counts.get(token) ?? 0) + 1);
    const base = i * model.dim;
    for (const [token, tf] of counts) {
      let row = cache.get(token);
      if (!row) {
        row = new Float64Array(model.dim);
        tokenProjection(token, model.dim, model.seed, row);
        cache.set(token, row);
      }
      const weight = tf * (model.idf.get(token) ?? model.unseenIdf);
      for (let d = 0; d < model.dim; d++) out[base + d]! += weight * row[d]!;
    }
  }
  normalizeRows(out, n, model.dim);
  return out;
}

/**
 * Positive PMI co-occurrence matrix over items from training sequences: every ordered pair of
 * distinct items at most `window` positions apart counts once in both directions. PMI uses the
 * context-distribution smoothing of Levy et al. (counts^0.75), which damps rare-item PMI.
 */
export function ppmiCooccurrence(trainSequences: ArrayLike<Int32Array>, numItems: number, window: number): CsrMatrix {
  let pairs = 0;
  for (let s = 0; s < trainSequences.length; s++) {
    const len = trainSequences[s]!.length;
    for (let t = 0; t < len; t++) pairs += 2 * Math.min(window, len - 1 - t);
  }
  const keys = new Float64Array(pairs);
  let k = 0;
  for (let s = 0; s < trainSequences.length; s++) {
    const seq = trainSequences[s]!;
    for (let t = 0; t < seq.length; t++) {
      const a = seq[t]!;
      for (let u = t + 1; u <= Math.min(seq.length - 1, t + window); u++) {
        const b = seq[u]!;
        if (a === b) continue;
        keys[k++] = a * numItems + b;
        keys[k++] = b * numItems + a;
      }
    }
  }
  const sorted = keys.subarray(0, k).sort();
  const rowStart = new Int32Array(numItems + 1);
  const columnsList: number[] = [];
  const countsList: number[] = [];
  for (let p = 0; p < sorted.length;) {
    const key = sorted[p]!;
    let q = p;
    while (q < sorted.length && sorted[q] === key) q++;
    const row = Math.floor(key / numItems);
    columnsList.push(key - row * numItems);
    countsList.push(q - p);
    rowStart[row + 1]!++;
    p = q;
  }
  for (let i = 0; i < numItems; i++) rowStart[i + 1]! += rowStart[i]!;
  const columns = Int32Array.from(columnsList);
  const counts = Float64Array.from(countsList);
  const rowSum = new Float64Array(numItems);
  let total = 0;
  for (let i = 0; i < numItems; i++) {
    for (let p = rowStart[i]!; p < rowStart[i + 1]!; p++) rowSum[i]! += counts[p]!;
    total += rowSum[i]!;
  }
  const smoothed = new Float64Array(numItems);
  let smoothedTotal = 0;
  for (let i = 0; i < numItems; i++) {
    smoothed[i] = rowSum[i]! ** 0.75;
    smoothedTotal += smoothed[i]!;
  }
  const values = new Float64Array(counts.length);
  for (let i = 0; i < numItems; i++) {
    for (let p = rowStart[i]!; p < rowStart[i + 1]!; p++) {
      const j = columns[p]!;
      const pmi = Math.log(counts[p]! / total / ((rowSum[i]! / total) * (smoothed[j]! / smoothedTotal)));
      values[p] = Math.max(0, pmi);
    }
  }
  // Symmetrise the smoothing asymmetry: average (i,j) and (j,i); both exist since pairs were added twice.
  const sym = new Float64Array(values.length);
  for (let i = 0; i < numItems; i++) {
    for (let p = rowStart[i]!; p < rowStart[i + 1]!; p++) {
      const j = columns[p]!;
      let lo = rowStart[j]!;
      let hi = rowStart[j + 1]! - 1;
      let back = values[p]!;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        if (columns[mid]! < i) lo = mid + 1;
        else if (columns[mid]! > i) hi = mid - 1;
        else {
          back = values[mid]!;
          break;
        }
      }
      sym[p] = 0.5 * (values[p]! + back);
    }
  }
  return { size: numItems, rowStart, columns, values: sym };
}

/** Collaborative vectors [items, dim] (rows L2-normalised; items never seen in training are zero). */
export function collaborativeVectors(
  trainSequences: ArrayLike<Int32Array>,
  numItems: number,
  dim: number,
  window: number,
  seed: number,
): Float32Array {
  const ppmi = ppmiCooccurrence(trainSequences, numItems, window);
  const out = symmetricSparseEmbedding(ppmi, Math.min(dim, numItems), seed);
  const padded = dim <= numItems ? out : widen(out, numItems, Math.min(dim, numItems), dim);
  normalizeRows(padded, numItems, dim);
  return padded;
}

function widen(matrix: Float32Array, rows: number, from: number, to: number): Float32Array {
  const out = new Float32Array(rows * to);
  for (let r = 0; r < rows; r++) out.set(matrix.subarray(r * from, (r + 1) * from), r * to);
  return out;
}

/** Where each part sits in the combined vector. */
export interface VectorPart {
  name: 'content' | 'collaborative' | 'supplied';
  offset: number;
  width: number;
  weight: number;
}

/** Combined item vectors plus what is needed to vectorise a cold item the same way. */
export interface ItemVectors {
  /** Row-major [items, dim]. */
  vectors: Float32Array;
  items: number;
  dim: number;
  parts: VectorPart[];
  /** Present when the content part is on. */
  contentModel?: ContentVectorizer;
  config: ItemVectorConfig;
}

/**
 * Builds the combined item vectors for a catalog. `trainSequences` must hold training events only
 * (never validation/test targets), or the codes would leak the evaluation targets.
 */
export function buildItemVectors(
  catalog: ItemCatalog,
  trainSequences: ArrayLike<Int32Array>,
  config: ItemVectorConfig,
): ItemVectors {
  const n = catalog.ids.length;
  const blocks: { part: VectorPart; data: Float32Array }[] = [];
  let offset = 0;
  let contentModel: ContentVectorizer | undefined;
  if (config.content > 0) {
    contentModel = fitContentVectorizer(catalog, config.dim, config.seed);
    blocks.push({
      part: { name: 'content', offset, width: config.dim, weight: config.content },
      data: contentVectors(catalog, contentModel),
    });
    offset += config.dim;
  }
  if (config.collaborative > 0) {
    const data = collaborativeVectors(trainSequences, n, config.dim, config.window, config.seed + 1);
    blocks.push({ part: { name: 'collaborative', offset, width: config.dim, weight: config.collaborative }, data });
    offset += config.dim;
  }
  if (config.supplied > 0 && catalog.vectors && catalog.vectorDim) {
    const width = catalog.vectorDim;
    if (catalog.vectors.length !== n * width) {
      throw new Error(`ItemCatalog.vectors has ${catalog.vectors.length} values, expected ${n} x ${width}`);
    }
    const data = Float32Array.from(catalog.vectors);
    normalizeRows(data, n, width);
    blocks.push({ part: { name: 'supplied', offset, width, weight: config.supplied }, data });
    offset += width;
  }
  if (blocks.length === 0) throw new Error('item vector config selects no part (all weights 0 or no supplied vectors)');
  const dim = offset;
  const vectors = new Float32Array(n * dim);
  for (const { part, data } of blocks) {
    for (let i = 0; i < n; i++) {
      for (let d = 0; d < part.width; d++) vectors[i * dim + part.offset + d] = part.weight * data[i * part.width + d]!;
    }
  }
  return { vectors, items: n, dim, parts: blocks.map((b) => b.part), contentModel, config };
}

/**
 * The combined vector of a new (cold) item from its content tokens (and supplied vector, if any),
 * plus a 0/1 mask of the dimensions that are actually observed: the collaborative part of a cold
 * item is unknown, so quantization must ignore those dimensions rather than treat them as zero.
 */
export function coldItemVector(
  built: ItemVectors,
  tokens: readonly string[],
  suppliedVector?: Float32Array,
): { vector: Float32Array; mask: Uint8Array } {
  const vector = new Float32Array(built.dim);
  const mask = new Uint8Array(built.dim);
  for (const part of built.parts) {
    let data: Float32Array | undefined;
    if (part.name === 'content' && built.contentModel) data = contentVector(built.contentModel, tokens);
    if (part.name === 'supplied' && suppliedVector) {
      data = Float32Array.from(suppliedVector);
      normalizeRows(data, 1, part.width);
    }
    if (!data) continue;
    for (let d = 0; d < part.width; d++) {
      vector[part.offset + d] = part.weight * data[d]!;
      mask[part.offset + d] = 1;
    }
  }
  return { vector, mask };
}
