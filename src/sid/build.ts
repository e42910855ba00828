/**
 * The semantic-ID pipeline for one dataset: item vectors (from the TRAIN part of the leave-one-out
 * split only) -> residual k-means -> SID table with disambiguation -> prefix trie, with the
 * statistics `pocketrec sids` prints. Per-dataset choices (vector parts, L x K) are config objects
 * with defaults per dataset name.
 */
import type { Dataset } from '../data/types.ts';
import { leaveOneOutSplit } from '../data/splits.ts';
import { buildItemVectors, vectorConfigFor, type ItemVectorConfig, type ItemVectors } from './item-vectors.ts';
import { trainResidualQuantizer, type LevelStats, type QuantizationResult } from './residual-kmeans.ts';
import { buildSidTable, type DisambiguationStats, type SidTable } from './sid-table.ts';
import { buildTrie, type SidTrie } from './trie.ts';

/** Everything that decides a dataset's SIDs. */
export interface SidBuildConfig {
  /** Quantization levels L (SID length L + 1). */
  levels: number;
  /** Codes per level K. */
  codebookSize: number;
  /** Lloyd iterations per level. */
  iterations: number;
  seed: number;
  vectors: ItemVectorConfig;
}

/**
 * L x K per dataset. The rule: the first level should split the catalog into clusters of ~100+
 * items, and the L-level grid (K^L cells) should exceed the item count by a wide margin while the
 * second level still groups a few items per cell, so the deepest level carries information:
 * ML-1M (3.7k items) 3 x 32 (1,024 level-2 cells, ~3.6 items each); Beauty (12.1k) and
 * ml-latest-small (9.7k) 3 x 64 (4,096 level-2 cells, ~2-3 items each). TIGER's 3 x 256 would leave
 * Beauty's level 2 with 65,536 cells for 12k items, i.e. SIDs nearly unique after two codes.
 */
export const DEFAULT_SID_SHAPES: Record<string, { levels: number; codebookSize: number }> = {
  'ml-1m': { levels: 3, codebookSize: 32 },
  'ml-100k': { levels: 3, codebookSize: 16 },
  'ml-latest-small': { levels: 3, codebookSize: 64 },
  beauty: { levels: 3, codebookSize: 64 },
  sports: { levels: 3, codebookSize: 64 },
};

/** The build config for a dataset name with overrides applied. */
export function sidConfigFor(
  datasetName: string,
  overrides: Partial<Omit<SidBuildConfig, 'vectors'>> & { vectors?: Partial<ItemVectorConfig> } = {},
): SidBuildConfig {
  const shape = DEFAULT_SID_SHAPES[datasetName] ?? { levels: 3, codebookSize: 64 };
  const seed = overrides.seed ?? 0;
  return {
    levels: overrides.levels ?? shape.levels,
    codebookSize: overrides.codebookSize ?? shape.codebookSize,
    iterations: overrides.iterations ?? 15,
    seed,
    vectors: vectorConfigFor(datasetName, { seed, ...(overrides.vectors ?? {}) }),
  };
}

/** The result of building SIDs for a dataset. */
export interface SidBuild {
  dataset: string;
  config: SidBuildConfig;
  itemVectors: ItemVectors;
  quantization: QuantizationResult;
  table: SidTable;
  trie: SidTrie;
  disambiguation: DisambiguationStats;
  /** Wall-clock milliseconds per stage. */
  timingsMs: { vectors: number; quantization: number; tables: number };
}

/** Training sequences (leave-one-out train prefixes) as item arrays. */
export function trainItemSequences(dataset: Dataset): Int32Array[] {
  return leaveOneOutSplit(dataset.sequences).train.map((s) => s.items);
}

/** Runs the whole pipeline. */
export function buildSemanticIds(dataset: Dataset, config: SidBuildConfig): SidBuild {
  const n = dataset.catalog.ids.length;
  let t = performance.now();
  const itemVectors = buildItemVectors(dataset.catalog, trainItemSequences(dataset), config.vectors);
  const vectorsMs = performance.now() - t;
  t = performance.now();
  const quantization = trainResidualQuantizer(itemVectors.vectors, n, itemVectors.dim, config);
  const quantMs = performance.now() - t;
  t = performance.now();
  const { table, stats } = buildSidTable(quantization.codes, n, config.levels, config.codebookSize);
  const trie = buildTrie(table);
  const tablesMs = performance.now() - t;
  return {
    dataset: dataset.name,
    config,
    itemVectors,
    quantization,
    table,
    trie,
    disambiguation: stats,
    timingsMs: { vectors: vectorsMs, quantization: quantMs, tables: tablesMs },
  };
}

/** JSON-friendly summary of a build (what `pocketrec sids` prints and writes). */
export interface SidSummary {
  dataset: string;
  items: number;
  levels: number;
  codebookSize: number;
  sidLength: number;
  vectorDim: number;
  vectorParts: { name: string; width: number; weight: number }[];
  perLevel: LevelStats[];
  collisionRateBeforeDisambiguation: number;
  distinctPrefixes: number;
  maxItemsPerPrefix: number;
  disambiguationSize: number;
  trieNodes: number;
  config: SidBuildConfig;
  timingsMs: SidBuild['timingsMs'];
}

export function summarizeSidBuild(build: SidBuild): SidSummary {
  return {
    dataset: build.dataset,
    items: build.table.items,
    levels: build.table.levels,
    codebookSize: build.table.codebookSize,
    sidLength: build.table.sidLength,
    vectorDim: build.itemVectors.dim,
    vectorParts: build.itemVectors.parts.map((p) => ({ name: p.name, width: p.width, weight: p.weight })),
    perLevel: build.quantization.stats,
    collisionRateBeforeDisambiguation: build.disambiguation.collisionRate,
    distinctPrefixes: build.disambiguation.distinctPrefixes,
    maxItemsPerPrefix: build.disambiguation.maxGroupSize,
    disambiguationSize: build.table.disambiguationSize,
    trieNodes: build.trie.nodeCount,
    config: build.config,
    timingsMs: build.timingsMs,
  };
}

/** Human-readable statistics table. */
export function formatSidSummary(s: SidSummary): string {
  const lines = [
    `${s.dataset}: ${s.items} items, SID = ${s.levels} x ${s.codebookSize} codes + 1 disambiguation code (${s.disambiguationSize} values)`,
    `item vectors: ${s.vectorDim} dims = ${s.vectorParts.map((p) => `${p.name} ${p.width} x${p.weight}`).join(' + ')}`,
    'level  used/K        perplexity  rel.recon.err  prefix collision',
  ];
  for (const l of s.perLevel) {
    lines.push(
      `${String(l.level + 1).padEnd(6)} ${`${l.usedCodes}/${s.codebookSize} (${(100 * l.usage).toFixed(0)}%)`.padEnd(13)} ${l.perplexity.toFixed(1).padStart(10)}  ${l.relativeError.toFixed(4).padStart(13)}  ${(100 * l.prefixCollisionRate).toFixed(1).padStart(15)}%`,
    );
  }
  lines.push(
    `collision rate before disambiguation: ${(100 * s.collisionRateBeforeDisambiguation).toFixed(2)}% of items; ${s.distinctPrefixes} distinct ${s.levels}-code prefixes; max ${s.maxItemsPerPrefix} items per prefix`,
    `trie: ${s.trieNodes} nodes; time: vectors ${(s.timingsMs.vectors / 1000).toFixed(1)} s, quantization ${(s.timingsMs.quantization / 1000).toFixed(1)} s, tables ${(s.timingsMs.tables / 1000).toFixed(2)} s`,
  );
  return lines.join('\n');
}
