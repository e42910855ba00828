/**
 * Semantic-ID tables: item -> SID as a typed array, the disambiguation code that makes SIDs unique,
 * cold-start assignment of new items, and one binary file (a single ArrayBuffer) holding the table,
 * the trie and the codebooks, which the browser runtime keeps in IndexedDB.
 *
 * A SID is `levels` quantization codes (each < codebookSize) followed by one disambiguation code:
 * items whose quantization codes coincide are numbered 0, 1, 2, ... in item-index order.
 */
import type { ResidualCodebooks } from './residual-kmeans.ts';
import { buildTrie, trieNode, type SidTrie } from './trie.ts';

/** Item -> SID for a whole catalog. */
export interface SidTable {
  items: number;
  /** Quantization levels L. */
  levels: number;
  /** L + 1 (the disambiguation code last). */
  sidLength: number;
  /** K: codes per quantization level. */
  codebookSize: number;
  /** Codes used at the disambiguation position: max items sharing one L-code prefix. */
  disambiguationSize: number;
  /** Row-major [items, sidLength]. */
  codes: Uint16Array;
}

/** Statistics of the disambiguation step. */
export interface DisambiguationStats {
  /** Fraction of items whose L quantization codes are shared with another item. */
  collisionRate: number;
  /** Distinct L-code prefixes. */
  distinctPrefixes: number;
  /** Largest number of items sharing one L-code prefix. */
  maxGroupSize: number;
}

/** The SID of `item` (a view into the table). */
export function sidOf(table: SidTable, item: number): Uint16Array {
  return table.codes.subarray(item * table.sidLength, (item + 1) * table.sidLength);
}

/**
 * Builds the table from quantization codes ([items, levels]) by appending disambiguation codes.
 */
export function buildSidTable(
  codes: Int32Array,
  items: number,
  levels: number,
  codebookSize: number,
): { table: SidTable; stats: DisambiguationStats } {
  if (codes.length !== items * levels) throw new Error(`codes has ${codes.length} values, expected ${items} x ${levels}`);
  if (codebookSize > 65536) throw new Error('codebookSize must be at most 65536 (codes are stored as uint16)');
  const sidLength = levels + 1;
  const out = new Uint16Array(items * sidLength);
  const groups = new Map<string, number>();
  let maxGroup = 0;
  for (let i = 0; i < items; i++) {
    let key = '';
    for (let l = 0; l < levels; l++) {
      const c = codes[i * levels + l]!;
      if (c < 0 || c >= codebookSize) throw new Error(`item ${i} level ${l}: code ${c} outside 0..${codebookSize - 1}`);
      out[i * sidLength + l] = c;
      key += `${c},`;
    }
    const next = groups.get(key) ?? 0;
    if (next > 65535) throw new Error('more than 65536 items share one prefix; use more levels or codes');
    out[i * sidLength + levels] = next;
    groups.set(key, next + 1);
    maxGroup = Math.max(maxGroup, next + 1);
  }
  let colliding = 0;
  for (const size of groups.values()) if (size > 1) colliding += size;
  return {
    table: { items, levels, sidLength, codebookSize, disambiguationSize: maxGroup, codes: out },
    stats: { collisionRate: items > 0 ? colliding / items : 0, distinctPrefixes: groups.size, maxGroupSize: maxGroup },
  };
}

/**
 * Adds a new item (cold start) whose quantization codes were computed from its content vector with
 * the trained codebooks (`encodeVector`): its disambiguation code is the next free one under its
 * prefix. Returns a new table and trie; the inputs are left unchanged. The new item's index is
 * `table.items`.
 */
export function addItem(
  table: SidTable,
  trie: SidTrie,
  quantCodes: ArrayLike<number>,
): { table: SidTable; trie: SidTrie; item: number; sid: Uint16Array } {
  if (quantCodes.length !== table.levels) throw new Error(`expected ${table.levels} codes, got ${quantCodes.length}`);
  const node = trieNode(trie, quantCodes);
  let next = 0;
  if (node >= 0) {
    const end = trie.childStart[node + 1]!;
    if (end > trie.childStart[node]!) next = trie.childCode[end - 1]! + 1;
  }
  if (next > 65535) throw new Error('no free disambiguation code left under this prefix');
  const sid = new Uint16Array(table.sidLength);
  sid.set(Array.from(quantCodes), 0);
  sid[table.levels] = next;
  const codes = new Uint16Array((table.items + 1) * table.sidLength);
  codes.set(table.codes, 0);
  codes.set(sid, table.items * table.sidLength);
  const grown: SidTable = {
    ...table,
    items: table.items + 1,
    disambiguationSize: Math.max(table.disambiguationSize, next + 1),
    codes,
  };
  return { table: grown, trie: buildTrie(grown), item: table.items, sid };
}

/** Everything the runtime needs for SIDs, as stored in one binary blob. */
export interface SidArtifacts {
  table: SidTable;
  trie: SidTrie;
  /** Optional: needed only for cold-start assignment. */
  codebooks?: ResidualCodebooks;
}

/** 'PSID' little-endian. */
export const SID_MAGIC = 0x44495350;
export const SID_FORMAT_VERSION = 1;
const HEADER_WORDS = 12;

/**
 * Serialises table, trie and codebooks into one ArrayBuffer (little-endian):
 * header of 12 uint32 [magic, version, items, levels, sidLength, codebookSize, disambiguationSize,
 * nodeCount, edgeCount, codebookDim (0 = no codebooks), reserved, reserved], then, each section
 * starting on a 4-byte boundary: codes u16[items*sidLength], childStart i32[nodeCount+1],
 * childCode u16[edges], childNode i32[edges], leafItem i32[nodeCount], codewords f32[levels*K*dim].
 */
export function serializeSidArtifacts(artifacts: SidArtifacts): ArrayBuffer {
  const { table, trie, codebooks } = artifacts;
  const sections: ArrayBufferView[] = [table.codes, trie.childStart, trie.childCode, trie.childNode, trie.leafItem];
  if (codebooks) sections.push(codebooks.codewords);
  let size = HEADER_WORDS * 4;
  for (const s of sections) size = align4(size) + s.byteLength;
  const buffer = new ArrayBuffer(align4(size));
  const header = new DataView(buffer, 0, HEADER_WORDS * 4);
  const fields = [
    SID_MAGIC,
    SID_FORMAT_VERSION,
    table.items,
    table.levels,
    table.sidLength,
    table.codebookSize,
    table.disambiguationSize,
    trie.nodeCount,
    trie.childCode.length,
    codebooks?.dim ?? 0,
    0,
    0,
  ];
  fields.forEach((value, i) => header.setUint32(i * 4, value, true));
  let offset = HEADER_WORDS * 4;
  const bytes = new Uint8Array(buffer);
  for (const s of sections) {
    offset = align4(offset);
    bytes.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), offset);
    offset += s.byteLength;
  }
  return buffer;
}

/** Reads what serializeSidArtifacts wrote (copies, so the result does not alias `buffer`). */
export function deserializeSidArtifacts(buffer: ArrayBuffer): SidArtifacts {
  if (buffer.byteLength < HEADER_WORDS * 4) throw new Error('SID artifact too short for its header');
  const header = new DataView(buffer, 0, HEADER_WORDS * 4);
  const field = (i: number): number => header.getUint32(i * 4, true);
  if (field(0) !== SID_MAGIC) throw new Error('not a SID artifact (bad magic)');
  if (field(1) !== SID_FORMAT_VERSION) throw new Error(`unsupported SID artifact version ${field(1)}`);
  const [items, levels, sidLength, codebookSize, disambiguationSize, nodeCount, edges, dim] = [2, 3, 4, 5, 6, 7, 8, 9].map(
    field,
  ) as [number, number, number, number, number, number, number, number];
  let offset = HEADER_WORDS * 4;
  const take = <T extends ArrayBufferView>(ctor: { new (buf: ArrayBuffer): T; BYTES_PER_ELEMENT: number }, count: number): T => {
    offset = align4(offset);
    const byteLength = count * ctor.BYTES_PER_ELEMENT;
    if (offset + byteLength > buffer.byteLength) throw new Error('SID artifact truncated');
    const copy = buffer.slice(offset, offset + byteLength);
    offset += byteLength;
    return new ctor(copy);
  };
  const codes = take(Uint16Array, items * sidLength);
  const childStart = take(Int32Array, nodeCount + 1);
  const childCode = take(Uint16Array, edges);
  const childNode = take(Int32Array, edges);
  const leafItem = take(Int32Array, nodeCount);
  const artifacts: SidArtifacts = {
    table: { items, levels, sidLength, codebookSize, disambiguationSize, codes },
    trie: { depth: sidLength, nodeCount, childStart, childCode, childNode, leafItem },
  };
  if (dim > 0) artifacts.codebooks = { levels, codebookSize, dim, codewords: take(Float32Array, levels * codebookSize * dim) };
  return artifacts;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}
