import { describe, expect, it } from 'vitest';
import { encodeVector, kmeans, trainResidualQuantizer, usageStats } from '../../../src/sid/residual-kmeans.ts';
import { SeededRng } from '../../../src/util/rng.ts';
import { buildSidTable } from '../../../src/sid/sid-table.ts';
import { clusteredVectors } from './synthetic.ts';

describe('kmeans', () => {
  it('recovers two well separated 1-D clusters exactly', () => {
    const points = Float64Array.from([0, 0.1, 0.2, 10, 10.1, 10.2]);
    const { centroids, assignment } = kmeans(points, 6, 1, 2, 5, new SeededRng(3));
    const sorted = Array.from(centroids).sort((a, b) => a - b);
    expect(sorted[0]).toBeCloseTo(0.1, 10);
    expect(sorted[1]).toBeCloseTo(10.1, 10);
    expect(assignment[0]).toBe(assignment[2]);
    expect(assignment[3]).toBe(assignment[5]);
    expect(assignment[0]).not.toBe(assignment[3]);
  });

  it('re-seeds dead codes: every code is used when there are at least K distinct points', () => {
    // 40 points in 4 tight blobs, K = 10: plain Lloyd from a bad start can leave clusters empty.
    const points = Float64Array.from(clusteredVectors(40, 2, 4, 1, 0.5));
    const { assignment } = kmeans(points, 40, 2, 10, 10, new SeededRng(0));
    expect(new Set(assignment).size).toBe(10);
  });
});

describe('trainResidualQuantizer', () => {
  const n = 300;
  const dim = 8;
  const vectors = clusteredVectors(n, dim, 12, 7);
  const config = { levels: 3, codebookSize: 8, iterations: 8, seed: 42 };

  it('is deterministic under a seed and differs under another seed', () => {
    const a = trainResidualQuantizer(vectors, n, dim, config);
    const b = trainResidualQuantizer(vectors, n, dim, config);
    expect(Array.from(a.codes)).toEqual(Array.from(b.codes));
    expect(Array.from(a.codebooks.codewords)).toEqual(Array.from(b.codebooks.codewords));
    const c = trainResidualQuantizer(vectors, n, dim, { ...config, seed: 43 });
    expect(Array.from(c.codebooks.codewords)).not.toEqual(Array.from(a.codebooks.codewords));
  });

  it('reconstruction error falls level by level and stats are consistent', () => {
    const { codes, stats } = trainResidualQuantizer(vectors, n, dim, config);
    expect(stats).toHaveLength(3);
    for (let l = 1; l < 3; l++) expect(stats[l]!.relativeError).toBeLessThan(stats[l - 1]!.relativeError);
    for (const s of stats) {
      expect(s.usedCodes).toBe(8);
      expect(s.perplexity).toBeGreaterThan(1);
      expect(s.perplexity).toBeLessThanOrEqual(8 + 1e-9);
    }
    for (const c of codes) expect(c >= 0 && c < 8).toBe(true);
    // Prefix collisions can only fall with depth.
    for (let l = 1; l < 3; l++) expect(stats[l]!.prefixCollisionRate).toBeLessThanOrEqual(stats[l - 1]!.prefixCollisionRate);
  });

  it('codes are the greedy nearest codewords (encodeVector reproduces training assignments)', () => {
    const { codes, codebooks } = trainResidualQuantizer(vectors, n, dim, config);
    let same = 0;
    for (let i = 0; i < n; i++) {
      const enc = encodeVector(codebooks, vectors.subarray(i * dim, (i + 1) * dim));
      if (Array.from(enc).join() === Array.from(codes.subarray(i * 3, i * 3 + 3)).join()) same++;
    }
    // Lloyd's last step assigns to the nearest centroid before its final update: nearly all agree.
    expect(same / n).toBeGreaterThan(0.95);
  });

  it('disambiguation makes every SID unique and reports the collision rate', () => {
    const { codes } = trainResidualQuantizer(vectors, n, dim, { ...config, levels: 1 });
    const { table, stats } = buildSidTable(codes, n, 1, 8);
    const keys = new Set<string>();
    for (let i = 0; i < n; i++) keys.add(Array.from(table.codes.subarray(i * 2, i * 2 + 2)).join());
    expect(keys.size).toBe(n);
    expect(stats.collisionRate).toBe(1); // 300 items, 8 codes: every item shares its code
    expect(stats.distinctPrefixes).toBe(8);
    expect(table.disambiguationSize).toBe(stats.maxGroupSize);
  });
});

describe('usageStats', () => {
  it('uniform usage has perplexity K; one code has perplexity 1', () => {
    expect(usageStats(Int32Array.from([5, 5, 5, 5]), 20).perplexity).toBeCloseTo(4, 10);
    const single = usageStats(Int32Array.from([0, 7, 0, 0]), 7);
    expect(single.perplexity).toBeCloseTo(1, 10);
    expect(single.usedCodes).toBe(1);
    expect(single.usage).toBe(0.25);
  });
});
