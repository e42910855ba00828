import { describe, expect, it } from 'vitest';
import { encodeVector, trainResidualQuantizer } from '../../../src/sid/residual-kmeans.ts';
import { addItem, buildSidTable, deserializeSidArtifacts, serializeSidArtifacts, sidOf } from '../../../src/sid/sid-table.ts';
import { buildTrie, trieChildCodes, trieLookup, trieNode } from '../../../src/sid/trie.ts';
import { clusteredVectors } from './synthetic.ts';

/** Hand-made 2-level table: items 0..4 with codes (0,1) (0,1) (0,2) (3,0) (0,1). */
const handCodes = Int32Array.from([0, 1, 0, 1, 0, 2, 3, 0, 0, 1]);

describe('buildSidTable (hand case)', () => {
  const { table, stats } = buildSidTable(handCodes, 5, 2, 4);
  it('appends disambiguation codes in item order', () => {
    expect(Array.from(table.codes)).toEqual([0, 1, 0, 0, 1, 1, 0, 2, 0, 3, 0, 0, 0, 1, 2]);
    expect(table.disambiguationSize).toBe(3);
    expect(stats.collisionRate).toBeCloseTo(3 / 5, 12);
    expect(stats.distinctPrefixes).toBe(3);
  });
  it('rejects codes outside the codebook', () => {
    expect(() => buildSidTable(Int32Array.from([0, 4]), 1, 2, 4)).toThrow(/outside/);
  });
});

describe('trie (hand case)', () => {
  const { table } = buildSidTable(handCodes, 5, 2, 4);
  const trie = buildTrie(table);
  it('has the expected breadth-first CSR layout', () => {
    // root -> {0, 3}; (0) -> {1, 2}; (3) -> {0}; (0,1) -> {0,1,2}; (0,2) -> {0}; (3,0) -> {0}
    expect(Array.from(trieChildCodes(trie, 0))).toEqual([0, 3]);
    expect(Array.from(trieChildCodes(trie, trieNode(trie, [0])))).toEqual([1, 2]);
    expect(Array.from(trieChildCodes(trie, trieNode(trie, [0, 1])))).toEqual([0, 1, 2]);
    expect(trie.nodeCount).toBe(1 + 2 + 3 + 5);
    expect(trieLookup(trie, [0, 1, 2])).toBe(4);
    expect(trieLookup(trie, [3, 0, 0])).toBe(3);
    expect(trieLookup(trie, [3, 1, 0])).toBe(-1);
    expect(trieNode(trie, [1])).toBe(-1);
  });
  it('throws on duplicate SIDs', () => {
    expect(() => buildTrie({ ...table, codes: Uint16Array.from([0, 1, 0, 0, 1, 0, 0, 2, 0, 3, 0, 0, 0, 1, 2]) })).toThrow(
      /collision/,
    );
  });
});

describe('SID tables on quantized synthetic data', () => {
  const n = 500;
  const dim = 6;
  const vectors = clusteredVectors(n, dim, 20, 3, 0.3);
  const { codes, codebooks } = trainResidualQuantizer(vectors.subarray(0, (n - 1) * dim), n - 1, dim, {
    levels: 3,
    codebookSize: 6,
    iterations: 6,
    seed: 1,
  });
  const { table } = buildSidTable(codes, n - 1, 3, 6);
  const trie = buildTrie(table);

  it('every item is reachable and every root-to-leaf path is exactly one item', () => {
    for (let i = 0; i < table.items; i++) expect(trieLookup(trie, sidOf(table, i))).toBe(i);
    const leaves = Array.from(trie.leafItem).filter((x) => x >= 0);
    expect(leaves.length).toBe(table.items);
    expect(new Set(leaves).size).toBe(table.items);
    // Every leaf is at depth sidLength and every inner node has a child.
    const depth = new Int32Array(trie.nodeCount);
    for (let node = 0; node < trie.nodeCount; node++) {
      const kids = trie.childStart[node + 1]! - trie.childStart[node]!;
      if (trie.leafItem[node]! >= 0) {
        expect(depth[node]).toBe(table.sidLength);
        expect(kids).toBe(0);
      } else {
        expect(kids).toBeGreaterThan(0);
      }
      for (let e = trie.childStart[node]!; e < trie.childStart[node + 1]!; e++) depth[trie.childNode[e]!] = depth[node]! + 1;
    }
  });

  it('round-trips table, trie and codebooks bit-identically through one ArrayBuffer', () => {
    const buffer = serializeSidArtifacts({ table, trie, codebooks });
    const back = deserializeSidArtifacts(buffer);
    expect(back.table).toEqual(table);
    expect(back.trie).toEqual(trie);
    expect(back.codebooks).toEqual(codebooks);
    const again = serializeSidArtifacts(back);
    expect(new Uint8Array(again)).toEqual(new Uint8Array(buffer));
  });

  it('rejects a corrupt artifact', () => {
    const buffer = serializeSidArtifacts({ table, trie });
    const bad = buffer.slice(0);
    new DataView(bad).setUint32(0, 0x12345678, true);
    expect(() => deserializeSidArtifacts(bad)).toThrow(/magic/);
    expect(() => deserializeSidArtifacts(buffer.slice(0, buffer.byteLength - 8))).toThrow(/truncated/);
  });

  it('cold start: a held-out item gets a valid new SID whose prefix is its nearest codewords', () => {
    const held = vectors.subarray((n - 1) * dim, n * dim);
    const quant = encodeVector(codebooks, held);
    // Brute-force greedy check: at each level the chosen codeword is the nearest to the residual.
    const residual = Float64Array.from(held);
    for (let l = 0; l < 3; l++) {
      const dists = Array.from({ length: 6 }, (_, k) => {
        let s = 0;
        for (let d = 0; d < dim; d++) s += (residual[d]! - codebooks.codewords[(l * 6 + k) * dim + d]!) ** 2;
        return s;
      });
      expect(quant[l]).toBe(dists.indexOf(Math.min(...dists)));
      for (let d = 0; d < dim; d++) residual[d]! -= codebooks.codewords[(l * 6 + quant[l]!) * dim + d]!;
    }
    const grown = addItem(table, trie, quant);
    expect(grown.item).toBe(n - 1);
    expect(Array.from(grown.sid.subarray(0, 3))).toEqual(Array.from(quant));
    const siblings = Array.from({ length: table.items }, (_, i) => i).filter(
      (i) => Array.from(sidOf(table, i).subarray(0, 3)).join() === Array.from(quant).join(),
    );
    expect(grown.sid[3]).toBe(siblings.length); // next free code under its prefix
    expect(trieLookup(grown.trie, grown.sid)).toBe(n - 1);
    for (let i = 0; i < table.items; i++) expect(trieLookup(grown.trie, sidOf(grown.table, i))).toBe(i);
    expect(table.items).toBe(n - 1); // input untouched
  });
});
