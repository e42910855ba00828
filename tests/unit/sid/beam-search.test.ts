import { describe, expect, it } from 'vitest';
import { bestFirst, constrainedBeamSearch, constrainedBeamSearchBatch } from '../../../src/sid/beam-search.ts';
import { SeededRng } from '../../../src/util/rng.ts';
import { buildSidTable, sidOf } from '../../../src/sid/sid-table.ts';
import { buildTrie } from '../../../src/sid/trie.ts';

function randomTable(items: number, levels: number, k: number, seed: number) {
  const rng = new SeededRng(seed);
  const codes = Int32Array.from({ length: items * levels }, () => rng.nextInt(k));
  const { table } = buildSidTable(codes, items, levels, k);
  return { table, trie: buildTrie(table) };
}

describe('constrainedBeamSearch', () => {
  const { table, trie } = randomTable(200, 3, 8, 11);
  const vocab = Math.max(8, table.disambiguationSize);

  it('with random scores only ever yields existing items, with their own SIDs', () => {
    const rng = new SeededRng(2);
    for (let trial = 0; trial < 20; trial++) {
      const hits = constrainedBeamSearch(
        trie,
        (beams) => Float32Array.from({ length: beams.length * vocab }, () => Math.log(rng.next() + 1e-9)),
        10,
      );
      expect(hits.length).toBe(10);
      for (const hit of hits) {
        expect(hit.item).toBeGreaterThanOrEqual(0);
        expect(Array.from(hit.sid)).toEqual(Array.from(sidOf(table, hit.item)));
      }
      expect(new Set(hits.map((h) => h.item)).size).toBe(10);
    }
  });

  it('never follows a prefix that does not exist, even when it scores best', () => {
    // First-level codes drawn from 0..6 only, so code 7 is in the vocabulary but no item uses it.
    const rng = new SeededRng(5);
    const codes = Int32Array.from({ length: 100 * 3 }, (_, i) => rng.nextInt(i % 3 === 0 ? 7 : 8));
    const sparse = buildSidTable(codes, 100, 3, 8).table;
    const sparseTrie = buildTrie(sparse);
    const sparseVocab = Math.max(8, sparse.disambiguationSize);
    const unused = 7;
    const used = new Set(Array.from({ length: sparse.items }, (_, i) => sparse.codes[i * sparse.sidLength]!));
    expect(used.has(unused)).toBe(false);
    expect(used.size).toBe(7);
    // The free code scores best at the first level; every other code scores the same.
    const scorer = (beams: Int32Array[], level: number) => {
      const out = new Float32Array(beams.length * sparseVocab).fill(-5);
      for (let b = 0; b < beams.length; b++) if (level === 0) out[b * sparseVocab + unused] = 0;
      beams.forEach((prefix) => {
        expect(prefix.length).toBe(level);
        if (level > 0) expect(prefix[0]).not.toBe(unused);
      });
      return out;
    };
    const hits = constrainedBeamSearch(sparseTrie, scorer, 5);
    expect(hits.length).toBe(5);
    for (const hit of hits) {
      expect(hit.item).toBeGreaterThanOrEqual(0);
      expect(hit.sid[0]).not.toBe(unused);
      expect(Array.from(hit.sid)).toEqual(Array.from(sidOf(sparse, hit.item)));
    }
  });

  it('a beam as wide as the catalog returns every item ranked by its exact total score', () => {
    const rng = new SeededRng(9);
    const table3 = Array.from({ length: 4 }, () => Float32Array.from({ length: vocab }, () => -rng.next() * 3));
    const exact = (item: number) => Array.from(sidOf(table, item)).reduce((s, c, l) => s + table3[l]![c]!, 0);
    const hits = constrainedBeamSearch(
      trie,
      (beams, level) => {
        const out = new Float32Array(beams.length * vocab);
        for (let b = 0; b < beams.length; b++) out.set(table3[level]!, b * vocab);
        return out;
      },
      10_000,
    );
    expect(hits.length).toBe(table.items);
    for (const hit of hits) expect(hit.score).toBeCloseTo(exact(hit.item), 4);
    for (let i = 1; i < hits.length; i++) expect(hits[i]!.score).toBeLessThanOrEqual(hits[i - 1]!.score);
  });

  it('batched search equals one search per query', () => {
    const rng = new SeededRng(4);
    const scores = Float32Array.from({ length: 3 * 4 * vocab }, () => Math.log(rng.next()));
    const perQuery = (q: number) => (beams: Int32Array[], level: number) => {
      const out = new Float32Array(beams.length * vocab);
      for (let b = 0; b < beams.length; b++)
        out.set(scores.subarray((q * 4 + level) * vocab, (q * 4 + level + 1) * vocab), b * vocab);
      return out;
    };
    const batch = constrainedBeamSearchBatch(
      trie,
      3,
      (owner, beams, level) => {
        const out = new Float32Array(beams.length * vocab);
        for (let b = 0; b < beams.length; b++) out.set(perQuery(owner[b]!)([beams[b]!], level), b * vocab);
        return out;
      },
      7,
    );
    for (let q = 0; q < 3; q++)
      expect(batch[q]!.map((h) => h.item)).toEqual(constrainedBeamSearch(trie, perQuery(q), 7).map((h) => h.item));
  });
});

describe('bestFirst (the per-level selection)', () => {
  it('equals a full sort by score then order, with ties, duplicates and -Infinity', () => {
    const rng = new SeededRng(5);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + rng.nextInt(400);
      const candidates = Array.from({ length: n }, (_, order) => ({
        score: rng.next() < 0.1 ? -Infinity : Math.round(rng.next() * 20) / 4, // many ties
        order,
      }));
      const k = 1 + rng.nextInt(60);
      const expected = [...candidates].sort((a, b) => b.score - a.score || a.order - b.order).slice(0, k);
      expect(bestFirst([...candidates], k)).toEqual(expected);
    }
  });
});
