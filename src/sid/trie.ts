/**
 * The prefix trie over all semantic IDs, in compact CSR form, for constrained beam search: from any
 * node it says which next codes are valid, and each leaf (depth = SID length) names its item.
 *
 * Nodes are numbered in breadth-first order with the root at 0, and each node's children are stored
 * contiguously with ascending codes:
 *   children of `node` = edges childStart[node] .. childStart[node + 1] - 1,
 *   edge e goes by code childCode[e] to node childNode[e],
 *   leafItem[node] = item index at a leaf, -1 at inner nodes.
 */

/** The part of a SID table (`SidTable` in sid-table.ts) a trie is built from; the trie needs nothing else. */
export interface SidCodes {
  items: number;
  /** Codes per SID. */
  sidLength: number;
  /** Row-major [items, sidLength]. */
  codes: Uint16Array;
}

/** A compact prefix trie over SIDs. */
export interface SidTrie {
  /** SID length (levels + disambiguation); leaves are at this depth. */
  depth: number;
  nodeCount: number;
  /** [nodeCount + 1] edge offsets. */
  childStart: Int32Array;
  /** [edges] code on each edge, ascending within a node. */
  childCode: Uint16Array;
  /** [edges] target node of each edge. */
  childNode: Int32Array;
  /** [nodeCount] item at a leaf, -1 elsewhere. */
  leafItem: Int32Array;
}

/** Builds the trie of a SID table (SIDs must be unique; throws otherwise). */
export function buildTrie(table: SidCodes): SidTrie {
  const { items, sidLength, codes } = table;
  const order = Array.from({ length: items }, (_, i) => i).sort((a, b) => {
    for (let d = 0; d < sidLength; d++) {
      const diff = codes[a * sidLength + d]! - codes[b * sidLength + d]!;
      if (diff !== 0) return diff;
    }
    return a - b;
  });
  // BFS over ranges of `order`: node i covers order[rangeStart[i] .. rangeEnd[i]) at depth nodeDepth[i].
  const rangeStart: number[] = [0];
  const rangeEnd: number[] = [items];
  const nodeDepth: number[] = [0];
  const childStart: number[] = [];
  const childCode: number[] = [];
  const childNode: number[] = [];
  const leafItem: number[] = [];
  for (let node = 0; node < rangeStart.length; node++) {
    const start = rangeStart[node]!;
    const end = rangeEnd[node]!;
    const depth = nodeDepth[node]!;
    childStart.push(childCode.length);
    if (depth === sidLength) {
      if (end - start !== 1) throw new Error(`SID collision: items ${order.slice(start, end).join(', ')} share one SID`);
      leafItem.push(order[start]!);
      continue;
    }
    leafItem.push(-1);
    let j = start;
    while (j < end) {
      const code = codes[order[j]! * sidLength + depth]!;
      let k = j;
      while (k < end && codes[order[k]! * sidLength + depth] === code) k++;
      childCode.push(code);
      childNode.push(rangeStart.length);
      rangeStart.push(j);
      rangeEnd.push(k);
      nodeDepth.push(depth + 1);
      j = k;
    }
  }
  childStart.push(childCode.length);
  return {
    depth: sidLength,
    nodeCount: leafItem.length,
    childStart: Int32Array.from(childStart),
    childCode: Uint16Array.from(childCode),
    childNode: Int32Array.from(childNode),
    leafItem: Int32Array.from(leafItem),
  };
}

/** The child of `node` along `code`, or -1 (binary search over the node's sorted codes). */
export function trieChild(trie: SidTrie, node: number, code: number): number {
  let lo = trie.childStart[node]!;
  let hi = trie.childStart[node + 1]! - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = trie.childCode[mid]!;
    if (c < code) lo = mid + 1;
    else if (c > code) hi = mid - 1;
    else return trie.childNode[mid]!;
  }
  return -1;
}

/** The node reached by a (partial) SID, or -1 when that prefix does not exist. */
export function trieNode(trie: SidTrie, prefix: ArrayLike<number>): number {
  let node = 0;
  for (let d = 0; d < prefix.length && node >= 0; d++) node = trieChild(trie, node, prefix[d]!);
  return node;
}

/** The item with this full SID, or -1. */
export function trieLookup(trie: SidTrie, sid: ArrayLike<number>): number {
  if (sid.length !== trie.depth) return -1;
  const node = trieNode(trie, sid);
  return node < 0 ? -1 : trie.leafItem[node]!;
}

/** The valid next codes after a node (a view, ascending). */
export function trieChildCodes(trie: SidTrie, node: number): Uint16Array {
  return trie.childCode.subarray(trie.childStart[node]!, trie.childStart[node + 1]!);
}
