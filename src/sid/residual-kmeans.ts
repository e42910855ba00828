/**
 * Residual k-means quantization (as in OneRec / GRID; TIGER uses an RQ-VAE for the same job).
 *
 * Level 1 clusters the item vectors into K codewords; level l clusters the residuals left after
 * levels 1..l-1. An item's code at each level is its nearest codeword, so items with similar vectors
 * share prefixes and a new item is coded greedily with the same codebooks (cold start).
 *
 * Each level: k-means++ seeding, `iterations` Lloyd steps, and a dead-code guard: a cluster left
 * empty after an assignment is re-seeded at the point with the largest current error (each such
 * point used once), so codebook usage stays high. Seeded and deterministic.
 */
import { SeededRng } from '../util/rng.ts';

/** Residual quantizer settings. */
export interface ResidualQuantizerConfig {
  /** Number of quantized levels L (the SID has L + 1 codes with the disambiguation code). */
  levels: number;
  /** Codes per level K. */
  codebookSize: number;
  /** Lloyd iterations per level after k-means++ seeding. */
  iterations: number;
  seed: number;
}

/** Trained codebooks: level l's K codewords, row-major [K, dim]. */
export interface ResidualCodebooks {
  levels: number;
  codebookSize: number;
  dim: number;
  /** levels x [K, dim], concatenated: codeword (l, k) starts at (l * K + k) * dim. */
  codewords: Float32Array;
}

/** Per-level quality statistics of a quantization. */
export interface LevelStats {
  level: number;
  /** Distinct codes used at this level. */
  usedCodes: number;
  /** usedCodes / K. */
  usage: number;
  /** exp(entropy) of the code distribution: the effective number of codes (K at best). */
  perplexity: number;
  /** sum ||x - reconstruction up to this level||^2 / sum ||x||^2. */
  relativeError: number;
  /** Fraction of items whose prefix up to this level is shared with another item. */
  prefixCollisionRate: number;
}

/** Result of quantizing a set of vectors. */
export interface QuantizationResult {
  codebooks: ResidualCodebooks;
  /** Row-major [items, levels] code per item and level. */
  codes: Int32Array;
  stats: LevelStats[];
}

/** Squared distance between a[aOff..aOff+dim) and b[bOff..], optionally over masked dims only. */
function squaredDistance(
  a: ArrayLike<number>,
  aOff: number,
  b: ArrayLike<number>,
  bOff: number,
  dim: number,
  mask?: Uint8Array,
): number {
  let sum = 0;
  if (mask) {
    for (let d = 0; d < dim; d++) if (mask[d]) sum += (a[aOff + d]! - b[bOff + d]!) ** 2;
  } else {
    for (let d = 0; d < dim; d++) sum += (a[aOff + d]! - b[bOff + d]!) ** 2;
  }
  return sum;
}

/** Index of the nearest of `count` centroids (first on ties) and its squared distance. */
function nearest(points: Float64Array, pOff: number, centroids: Float64Array, count: number, dim: number): [number, number] {
  let best = 0;
  let bestDist = Infinity;
  for (let k = 0; k < count; k++) {
    const dist = squaredDistance(points, pOff, centroids, k * dim, dim);
    if (dist < bestDist) {
      bestDist = dist;
      best = k;
    }
  }
  return [best, bestDist];
}

/** One level of k-means on `points` ([n, dim]); returns centroids [K, dim] and assignments. */
export function kmeans(
  points: Float64Array,
  n: number,
  dim: number,
  k: number,
  iterations: number,
  rng: SeededRng,
): { centroids: Float64Array; assignment: Int32Array } {
  const centroids = new Float64Array(k * dim);
  const assignment = new Int32Array(n);
  const distance = new Float64Array(n);
  if (n === 0) return { centroids, assignment };
  // k-means++ seeding: first centroid uniform, then proportional to squared distance to the nearest.
  const first = rng.nextInt(n);
  centroids.set(points.subarray(first * dim, (first + 1) * dim), 0);
  for (let i = 0; i < n; i++) distance[i] = squaredDistance(points, i * dim, centroids, 0, dim);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += distance[i]!;
    let chosen: number;
    if (total <= 0) {
      chosen = rng.nextInt(n);
    } else {
      let target = rng.next() * total;
      chosen = n - 1;
      for (let i = 0; i < n; i++) {
        target -= distance[i]!;
        if (target < 0) {
          chosen = i;
          break;
        }
      }
    }
    centroids.set(points.subarray(chosen * dim, (chosen + 1) * dim), c * dim);
    for (let i = 0; i < n; i++) {
      const dist = squaredDistance(points, i * dim, centroids, c * dim, dim);
      if (dist < distance[i]!) distance[i] = dist;
    }
  }
  const counts = new Int32Array(k);
  const sums = new Float64Array(k * dim);
  const assign = (): void => {
    for (let i = 0; i < n; i++) {
      const [best, dist] = nearest(points, i * dim, centroids, k, dim);
      assignment[i] = best;
      distance[i] = dist;
    }
  };
  assign();
  for (let it = 0; it < iterations; it++) {
    counts.fill(0);
    sums.fill(0);
    for (let i = 0; i < n; i++) {
      const c = assignment[i]!;
      counts[c]!++;
      for (let d = 0; d < dim; d++) sums[c * dim + d]! += points[i * dim + d]!;
    }
    // Dead-code guard: re-seed each empty cluster at the worst-fitted remaining point.
    const empty: number[] = [];
    for (let c = 0; c < k; c++) {
      if (counts[c]! > 0) for (let d = 0; d < dim; d++) centroids[c * dim + d] = sums[c * dim + d]! / counts[c]!;
      else empty.push(c);
    }
    if (empty.length > 0) {
      const worst = Array.from({ length: n }, (_, i) => i).sort((a, b) => distance[b]! - distance[a]! || a - b);
      let w = 0;
      for (const c of empty) {
        while (w < worst.length && distance[worst[w]!]! <= 0) w = worst.length; // nothing left to split
        if (w >= worst.length) break;
        const p = worst[w++]!;
        centroids.set(points.subarray(p * dim, (p + 1) * dim), c * dim);
      }
    }
    assign();
  }
  return { centroids, assignment };
}

/** Trains L levels of residual k-means on `vectors` ([n, dim]). */
export function trainResidualQuantizer(
  vectors: Float32Array,
  n: number,
  dim: number,
  config: ResidualQuantizerConfig,
): QuantizationResult {
  if (vectors.length !== n * dim) throw new Error(`vectors has ${vectors.length} values, expected ${n} x ${dim}`);
  const { levels, codebookSize: k } = config;
  const rng = new SeededRng(config.seed);
  const residual = Float64Array.from(vectors);
  const codewords = new Float32Array(levels * k * dim);
  const codes = new Int32Array(n * levels);
  let totalNorm = 0;
  for (let i = 0; i < residual.length; i++) totalNorm += residual[i]! ** 2;
  const stats: LevelStats[] = [];
  const prefixKeys: string[] = new Array<string>(n).fill('');
  for (let level = 0; level < levels; level++) {
    const { centroids, assignment } = kmeans(residual, n, dim, k, config.iterations, rng);
    codewords.set(centroids, level * k * dim);
    const counts = new Int32Array(k);
    let error = 0;
    for (let i = 0; i < n; i++) {
      const c = assignment[i]!;
      codes[i * levels + level] = c;
      counts[c]!++;
      for (let d = 0; d < dim; d++) {
        residual[i * dim + d]! -= centroids[c * dim + d]!;
        error += residual[i * dim + d]! ** 2;
      }
      prefixKeys[i] += `${c},`;
    }
    stats.push({
      level,
      ...usageStats(counts, n),
      relativeError: totalNorm > 0 ? error / totalNorm : 0,
      prefixCollisionRate: collisionRate(prefixKeys),
    });
  }
  return { codebooks: { levels, codebookSize: k, dim, codewords }, codes, stats };
}

/** Used codes, usage fraction and perplexity of a code histogram. */
export function usageStats(counts: Int32Array, total: number): { usedCodes: number; usage: number; perplexity: number } {
  let used = 0;
  let entropy = 0;
  for (const c of counts) {
    if (c === 0) continue;
    used++;
    const p = c / total;
    entropy -= p * Math.log(p);
  }
  return { usedCodes: used, usage: used / counts.length, perplexity: Math.exp(entropy) };
}

/** Fraction of keys that occur more than once. */
function collisionRate(keys: string[]): number {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  let colliding = 0;
  for (const key of keys) if (counts.get(key)! > 1) colliding++;
  return keys.length > 0 ? colliding / keys.length : 0;
}

/**
 * Greedy residual coding of one vector with trained codebooks (cold start). With `mask`, distances
 * use only the dimensions marked 1 (the observed parts of a cold item's vector).
 */
export function encodeVector(codebooks: ResidualCodebooks, vector: Float32Array, mask?: Uint8Array): Int32Array {
  const { levels, codebookSize: k, dim, codewords } = codebooks;
  if (vector.length !== dim) throw new Error(`vector has ${vector.length} dims, codebooks expect ${dim}`);
  const residual = Float64Array.from(vector);
  const codes = new Int32Array(levels);
  for (let level = 0; level < levels; level++) {
    let best = 0;
    let bestDist = Infinity;
    for (let c = 0; c < k; c++) {
      const dist = squaredDistance(residual, 0, codewords, (level * k + c) * dim, dim, mask);
      if (dist < bestDist) {
        bestDist = dist;
        best = c;
      }
    }
    codes[level] = best;
    for (let d = 0; d < dim; d++) residual[d]! -= codewords[(level * k + best) * dim + d]!;
  }
  return codes;
}
