import { describe, expect, it } from 'vitest';
import { hashPrefixRows, prefixHashIndices, type PrefixHashConfig } from '../../../src/sid/prefix-hash.ts';

const config: PrefixHashConfig = { orders: [1, 2, 3], heads: 2, tableSize: 97, seed: 5 };

describe('prefixHashIndices', () => {
  const codes = Uint16Array.from([
    1,
    2,
    3,
    0, // item 0
    1,
    2,
    4,
    0, // item 1: differs at position 2
    9,
    2,
    3,
    0, // item 2: differs at position 0 only
    1,
    2,
    3,
    1, // item 3: differs at the disambiguation code
  ]);
  const rows = prefixHashIndices(codes, 4, 4, 4, config);
  const slots = 6;
  const at = (item: number, pos: number, slot: number): number => rows[(item * 4 + pos) * slots + slot]!;

  it('has shape [items, positions, orders*heads] and every row lies in its slot region', () => {
    expect(rows.length).toBe(4 * 4 * slots);
    for (let i = 0; i < rows.length; i++) {
      const slot = i % slots;
      expect(rows[i]!).toBeGreaterThanOrEqual(slot * 97);
      expect(rows[i]!).toBeLessThan((slot + 1) * 97);
    }
  });

  it('is deterministic and depends on the seed', () => {
    expect(Array.from(prefixHashIndices(codes, 4, 4, 4, config))).toEqual(Array.from(rows));
    expect(Array.from(prefixHashIndices(codes, 4, 4, 4, { ...config, seed: 6 }))).not.toEqual(Array.from(rows));
  });

  it('an order-o row depends exactly on the last o codes of the prefix', () => {
    // Items 0 and 2 differ only at position 0: order 1 and 2 rows at position 2 agree, order 3 differs.
    for (let h = 0; h < 2; h++) {
      expect(at(0, 2, 0 * 2 + h)).toBe(at(2, 2, 0 * 2 + h));
      expect(at(0, 2, 1 * 2 + h)).toBe(at(2, 2, 1 * 2 + h));
      expect(at(0, 2, 2 * 2 + h)).not.toBe(at(2, 2, 2 * 2 + h));
      // Positions 0..1 never see later codes: items 0 and 1 agree there.
      for (let s = 0; s < slots; s++) expect(at(0, 1, s)).toBe(at(1, 1, s));
    }
    // Position 3 (the disambiguation code): order-3 rows of items 0 and 2 agree (codes 2,3,0).
    expect(at(0, 3, 4)).toBe(at(2, 3, 4));
    expect(at(0, 3, 0)).not.toBe(at(3, 3, 0));
  });

  it('hashPrefixRows on a prefix gives the same rows as the full SID for those positions', () => {
    const out = new Int32Array(2 * slots);
    hashPrefixRows([1, 2], 0, 2, config, out, 0);
    expect(Array.from(out)).toEqual(Array.from(rows.subarray(0, 2 * slots)));
  });

  it('heads are independent hash functions', () => {
    let differ = 0;
    for (let i = 0; i < 4; i++) for (let p = 0; p < 4; p++) if (at(i, p, 0) !== at(i, p, 1) - 97) differ++;
    expect(differ).toBeGreaterThan(10);
  });
});
