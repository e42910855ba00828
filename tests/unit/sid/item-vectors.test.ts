import { describe, expect, it } from 'vitest';
import type { ItemCatalog } from '../../../src/data/types.ts';
import {
  buildItemVectors,
  coldItemVector,
  contentVector,
  fitContentVectorizer,
  ppmiCooccurrence,
  vectorConfigFor,
} from '../../../src/sid/item-vectors.ts';
import { csrTimesDense, symmetricEigen, symmetricSparseEmbedding, type CsrMatrix } from '../../../src/sid/linalg.ts';

const catalog: ItemCatalog = {
  ids: ['a', 'b', 'c', 'd'],
  features: [['genre:Comedy', 'year:1995'], ['genre:Comedy', 'year:1995'], ['genre:Drama'], []],
};

function dot(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) s += a[ai * dim + d]! * b[bi * dim + d]!;
  return s;
}

describe('content vectors', () => {
  it('fits smooth IDF: ln((1+N)/(1+df)) + 1', () => {
    const model = fitContentVectorizer(catalog, 16, 0);
    expect(model.idf.get('genre:Comedy')).toBeCloseTo(Math.log(5 / 3) + 1, 12);
    expect(model.idf.get('genre:Drama')).toBeCloseTo(Math.log(5 / 2) + 1, 12);
  });

  it('items with the same tokens get the same unit vector; no tokens gives zeros', () => {
    const built = buildItemVectors(catalog, [], { ...vectorConfigFor('x'), collaborative: 0, dim: 32 });
    expect(built.dim).toBe(32);
    expect(dot(built.vectors, 0, built.vectors, 0, 32)).toBeCloseTo(1, 5);
    expect(dot(built.vectors, 0, built.vectors, 1, 32)).toBeCloseTo(1, 5);
    expect(Math.abs(dot(built.vectors, 0, built.vectors, 2, 32))).toBeLessThan(0.7);
    expect(dot(built.vectors, 3, built.vectors, 3, 32)).toBe(0);
  });

  it("a cold item with an existing item's tokens gets exactly that item's vector, and a mask of the content dims", () => {
    const built = buildItemVectors(catalog, [Int32Array.from([0, 1, 2])], {
      ...vectorConfigFor('x'),
      dim: 8,
      collaborative: 0.5,
    });
    expect(built.parts.map((p) => p.name)).toEqual(['content', 'collaborative']);
    const cold = coldItemVector(built, ['year:1995', 'genre:Comedy']);
    for (let d = 0; d < 8; d++) expect(cold.vector[d]).toBeCloseTo(built.vectors[d]!, 6);
    expect(Array.from(cold.mask)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(contentVector(built.contentModel!, ['word:unseen'])).some((x) => x !== 0)).toBe(true);
  });

  it('supplied vectors are normalised and weighted', () => {
    const withVectors: ItemCatalog = { ...catalog, vectors: Float32Array.from([3, 4, 0, 2, 1, 0, 0, 0]), vectorDim: 2 };
    const built = buildItemVectors(withVectors, [], { ...vectorConfigFor('x'), content: 0, collaborative: 0, supplied: 2 });
    expect(Array.from(built.vectors)).toEqual([1.2000000476837158, 1.600000023841858, 0, 2, 2, 0, 0, 0]);
  });
});

describe('PPMI co-occurrence', () => {
  it('matches a hand computation on a tiny log', () => {
    // One sequence 0 1 2, window 1: pairs (0,1) and (1,2), each in both directions.
    const m = ppmiCooccurrence([Int32Array.from([0, 1, 2])], 3, 1);
    expect(Array.from(m.rowStart)).toEqual([0, 1, 3, 4]);
    expect(Array.from(m.columns)).toEqual([1, 0, 2, 1]);
    // counts: c01=c10=c12=c21=1, total 4; row sums 1,2,1; smoothed context p_j = s_j / sum s, s = r^0.75.
    const s = [1, 2 ** 0.75, 1];
    const sum = s[0]! + s[1]! + s[2]!;
    const pmi = (i: number, j: number, r: number[]) => Math.max(0, Math.log(1 / 4 / ((r[i]! / 4) * (s[j]! / sum))));
    const r = [1, 2, 1];
    expect(m.values[0]).toBeCloseTo(0.5 * (pmi(0, 1, r) + pmi(1, 0, r)), 12);
    expect(m.values[1]).toBeCloseTo(m.values[0]!, 12); // symmetric
  });
});

describe('linear algebra', () => {
  it('Jacobi eigen-decomposition of a 2x2 matrix', () => {
    const { values, vectors } = symmetricEigen(Float64Array.from([2, 1, 1, 2]), 2);
    expect(values[0]).toBeCloseTo(3, 10);
    expect(values[1]).toBeCloseTo(1, 10);
    expect(Math.abs(vectors[0]!)).toBeCloseTo(Math.SQRT1_2, 10);
  });

  it('randomized SVD embedding reproduces a rank-2 PSD matrix: E E^T = A', () => {
    // A = u u^T * 4 + v v^T with orthonormal u, v in R^6.
    const u = [1, 1, 1, 1, 1, 1].map((x) => x / Math.sqrt(6));
    const v = [1, -1, 1, -1, 1, -1].map((x) => x / Math.sqrt(6));
    const n = 6;
    const dense = Array.from(
      { length: n * n },
      (_, k) => 4 * u[Math.floor(k / n)]! * u[k % n]! + v[Math.floor(k / n)]! * v[k % n]!,
    );
    const a: CsrMatrix = {
      size: n,
      rowStart: Int32Array.from({ length: n + 1 }, (_, i) => i * n),
      columns: Int32Array.from({ length: n * n }, (_, k) => k % n),
      values: Float64Array.from(dense),
    };
    const e = symmetricSparseEmbedding(a, 2, 1, 2, 2);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expect(dot(e, i, e, j, 2)).toBeCloseTo(dense[i * n + j]!, 4);
    expect(csrTimesDense(a, Float64Array.from(u), 1)[0]).toBeCloseTo(4 * u[0]!, 10);
  });
});
