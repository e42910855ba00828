/**
 * Prefix n-gram hashing for PrefixMem: which memory-table rows each SID position reads.
 *
 * For SID position l (0-based) with codes c_0..c_l, the n-gram of order o is the last o codes up to
 * and including c_l, (c_{l-o+1}, ..., c_l), padded on the left with a BOS symbol when l + 1 < o.
 * Each (order, head) pair is one "slot" with its own hash function (seeded by seed, head and order)
 * and its own region of `tableSize` rows in ONE concatenated memory table of
 * `orders.length * heads * tableSize` rows:
 *
 *   slot   = orderIndex * heads + head
 *   bucket = hash(seed, head, order, l, n-gram codes) mod tableSize
 *   row    = slot * tableSize + bucket
 *
 * The level l is hashed too, so the same codes at different depths read different rows. Order 1 is
 * "this code at this level"; orders 2 and 3 identify the code within its parent / grandparent, which
 * is what lets a deep code mean different things under different prefixes. With 3 quantization
 * levels plus the disambiguation code, order 3 at the last position covers the codes that make the
 * SID unique. Several heads make a collision in one head unlikely to be a collision in all.
 *
 * Pure and deterministic: the same codes and config always give the same rows, in Node and the browser.
 */
import { hash32 } from '../util/rng.ts';

/** Hashing config (shared with PrefixMem's memory tables). */
export interface PrefixHashConfig {
  /** n-gram orders, e.g. [1, 2, 3]. */
  orders: number[];
  /** Independent hash functions per order. */
  heads: number;
  /** Rows per (order, head) slot. */
  tableSize: number;
  seed: number;
}

/** Default: orders 1-3, 2 heads, 4096 rows per slot (24,576 rows in all). */
export const DEFAULT_PREFIX_HASH: PrefixHashConfig = { orders: [1, 2, 3], heads: 2, tableSize: 4096, seed: 0 };

const BOS = 0x10000; // outside the uint16 code range

/** Number of rows each position reads: orders.length * heads. */
export function slotsPerPosition(config: PrefixHashConfig): number {
  return config.orders.length * config.heads;
}

/**
 * Writes the memory rows of positions 0..positions-1 of one code sequence `codes[offset ..]` into
 * `out[outOffset ..]` ([positions, slots]).
 */
export function hashPrefixRows(
  codes: ArrayLike<number>,
  offset: number,
  positions: number,
  config: PrefixHashConfig,
  out: Int32Array,
  outOffset: number,
): void {
  const { orders, heads, tableSize, seed } = config;
  const slots = orders.length * heads;
  for (let l = 0; l < positions; l++) {
    for (let oi = 0; oi < orders.length; oi++) {
      const order = orders[oi]!;
      for (let h = 0; h < heads; h++) {
        let state = hash32(hash32(hash32(seed, h + 1), order), l + 1);
        for (let j = l - order + 1; j <= l; j++) state = hash32(state, j < 0 ? BOS : codes[offset + j]!);
        const slot = oi * heads + h;
        out[outOffset + l * slots + slot] = slot * tableSize + (state % tableSize);
      }
    }
  }
}

/**
 * Memory rows for every item: `codes` is row-major [items, stride] (e.g. a SidTable's codes with
 * stride = sidLength), of which the first `positions` codes are hashed.
 * Returns Int32Array [items, positions, orders.length * heads].
 */
export function prefixHashIndices(
  codes: ArrayLike<number>,
  items: number,
  stride: number,
  positions: number,
  config: PrefixHashConfig,
): Int32Array {
  if (positions > stride) throw new Error(`cannot hash ${positions} positions of ${stride}-code rows`);
  if (!Number.isInteger(config.tableSize) || config.tableSize < 1) throw new Error('tableSize must be a positive integer');
  const slots = slotsPerPosition(config);
  const out = new Int32Array(items * positions * slots);
  for (let i = 0; i < items; i++) hashPrefixRows(codes, i * stride, positions, config, out, i * positions * slots);
  return out;
}
