/**
 * The few dense/sparse linear-algebra routines semantic-ID building needs, on plain typed arrays:
 * row normalisation, a CSR sparse matrix, modified Gram-Schmidt, a Jacobi eigen-solver for small
 * symmetric matrices and a randomized truncated SVD (Halko et al. 2011) for symmetric sparse
 * matrices. All matrices are row-major.
 */
import { SeededRng } from '../util/rng.ts';

/** A square sparse matrix in compressed-sparse-row form. */
export interface CsrMatrix {
  size: number;
  /** Row start offsets, length size + 1. */
  rowStart: Int32Array;
  /** Column index per non-zero. */
  columns: Int32Array;
  /** Value per non-zero. */
  values: Float64Array;
}

/** Scales each row of `matrix` ([rows, dim]) to unit L2 norm in place; zero rows stay zero. */
export function normalizeRows(matrix: Float32Array | Float64Array, rows: number, dim: number): void {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    const base = r * dim;
    for (let d = 0; d < dim; d++) sum += matrix[base + d]! * matrix[base + d]!;
    if (sum <= 0) continue;
    const inv = 1 / Math.sqrt(sum);
    for (let d = 0; d < dim; d++) matrix[base + d]! *= inv;
  }
}

/** y[size, cols] = A x[size, cols] for a CSR matrix A. */
export function csrTimesDense(a: CsrMatrix, x: Float64Array, cols: number): Float64Array {
  const y = new Float64Array(a.size * cols);
  for (let i = 0; i < a.size; i++) {
    const yBase = i * cols;
    for (let p = a.rowStart[i]!; p < a.rowStart[i + 1]!; p++) {
      const v = a.values[p]!;
      const xBase = a.columns[p]! * cols;
      for (let c = 0; c < cols; c++) y[yBase + c]! += v * x[xBase + c]!;
    }
  }
  return y;
}

/** Orthonormalises the columns of q ([rows, cols]) in place (modified Gram-Schmidt, twice for stability). */
export function orthonormalizeColumns(q: Float64Array, rows: number, cols: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let c = 0; c < cols; c++) {
      for (let prev = 0; prev < c; prev++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += q[r * cols + c]! * q[r * cols + prev]!;
        for (let r = 0; r < rows; r++) q[r * cols + c]! -= dot * q[r * cols + prev]!;
      }
      let norm = 0;
      for (let r = 0; r < rows; r++) norm += q[r * cols + c]! ** 2;
      norm = Math.sqrt(norm);
      const inv = norm > 1e-12 ? 1 / norm : 0;
      for (let r = 0; r < rows; r++) q[r * cols + c]! *= inv;
    }
  }
}

/**
 * Eigen-decomposition of a small symmetric matrix ([n, n], row-major) by cyclic Jacobi rotations.
 * Returns eigenvalues sorted descending and the matching eigenvectors as columns of `vectors`.
 */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off < 1e-22) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => a[y * n + y]! - a[x * n + x]!);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = a[src * n + src]!;
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src]!;
  });
  return { values, vectors };
}

/**
 * Rank-`rank` embedding of a symmetric sparse matrix A by randomized SVD with `powerIterations`
 * subspace iterations: returns rows of U * sqrt(S) ([size, rank], Float32), the usual way of turning
 * a (PMI) co-occurrence matrix into item vectors.
 */
export function symmetricSparseEmbedding(
  a: CsrMatrix,
  rank: number,
  seed: number,
  powerIterations = 3,
  oversample = 10,
): Float32Array {
  const n = a.size;
  const cols = Math.min(rank + oversample, n);
  const rng = new SeededRng(seed);
  const omega = new Float64Array(n * cols);
  for (let i = 0; i < omega.length; i++) omega[i] = rng.normal();
  let q = csrTimesDense(a, omega, cols);
  orthonormalizeColumns(q, n, cols);
  for (let it = 0; it < powerIterations; it++) {
    q = csrTimesDense(a, q, cols);
    orthonormalizeColumns(q, n, cols);
  }
  // B^T = A Q (A symmetric), B = Q^T A is [cols, n]; B B^T = (AQ)^T (AQ) is [cols, cols].
  const aq = csrTimesDense(a, q, cols);
  const bbt = new Float64Array(cols * cols);
  for (let r = 0; r < n; r++) {
    const base = r * cols;
    for (let i = 0; i < cols; i++) {
      const x = aq[base + i]!;
      if (x === 0) continue;
      for (let j = i; j < cols; j++) bbt[i * cols + j]! += x * aq[base + j]!;
    }
  }
  for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) bbt[i * cols + j] = bbt[j * cols + i]!;
  const { values, vectors } = symmetricEigen(bbt, cols);
  // A ~= (Q Ub) S Vt with S = sqrt(eigenvalues of B B^T); embedding = Q Ub sqrt(S).
  const out = new Float32Array(n * rank);
  const keep = Math.min(rank, cols);
  for (let k = 0; k < keep; k++) {
    const sigma = Math.sqrt(Math.max(values[k]!, 0));
    const scale = Math.sqrt(sigma);
    for (let r = 0; r < n; r++) {
      let sum = 0;
      for (let c = 0; c < cols; c++) sum += q[r * cols + c]! * vectors[c * cols + k]!;
      out[r * rank + k] = sum * scale;
    }
  }
  return out;
}
