/** Synthetic clustered vectors for SID tests: `clusters` Gaussian blobs in `dim` dimensions. */
import { SeededRng } from '../../../src/util/rng.ts';

export function clusteredVectors(n: number, dim: number, clusters: number, seed: number, spread = 0.1): Float32Array {
  const rng = new SeededRng(seed);
  const centers = Array.from({ length: clusters }, () => Array.from({ length: dim }, () => rng.normal()));
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centers[i % clusters]!;
    for (let d = 0; d < dim; d++) out[i * dim + d] = c[d]! + spread * rng.normal();
  }
  return out;
}
