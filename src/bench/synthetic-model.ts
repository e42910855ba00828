/**
 * Synthetic model artifacts for size scaling: a freshly initialised decoder (the real architecture,
 * random weights) over a catalog of any size, exported in the real artifact format. Latency and
 * memory depend on shapes, not on trained values, so `npm run bench` measures 10k / 100k / 1M item
 * catalogs with these (the issue allows synthetic embeddings for size scaling); quality numbers never
 * come from here.
 */
import * as tf from '@tensorflow/tfjs-core';
import { buildArtifacts } from '../model/artifacts.ts';
import { Decoder, defaultDecoderConfig, initDecoderParams, MULTI_TOKEN_HORIZONS } from '../model/decoder.ts';
import { initRankingParams } from '../model/ranking-head.ts';
import { PrefixMem, prefixMemConfigFor } from '../model/prefixmem.ts';
import { sidHeadConfigFor } from '../model/sid-decoding.ts';
import { initSidHeadVariables } from '../model/sid-head.ts';
import { buildSidTable, serializeSidArtifacts } from '../sid/sid-table.ts';
import { buildTrie } from '../sid/trie.ts';

/** Shape of the synthetic model. */
export interface SyntheticModelSpec {
  itemCount: number;
  /** Embedding width (default 50, HSTU's ML-1M setting). */
  dim?: number;
  /** Transformer blocks (default 2). */
  blocks?: number;
  /** Longest history (default 200). */
  maxLen?: number;
  seed?: number;
  /**
   * Also ship semantic IDs (seeded 3 x 256 codes + disambiguation), PrefixMem and a SID head (random
   * weights), so the generative modes can be timed; the item representation stays the ID embedding.
   */
  sidHead?: boolean;
}

/** Outcome names of synthetic models (MovieLens-style). */
export const SYNTHETIC_OUTCOMES = ['dislike', 'watch', 'love'];

/** Builds manifest.json + binary files (path -> bytes) for a random-weight decoder. */
export async function buildSyntheticModel(spec: SyntheticModelSpec): Promise<Map<string, Uint8Array>> {
  const config = defaultDecoderConfig({
    itemCount: spec.itemCount,
    outcomeCount: SYNTHETIC_OUTCOMES.length,
    dim: spec.dim ?? 50,
    blocks: spec.blocks ?? 2,
    maxLen: spec.maxLen ?? 200,
    horizons: MULTI_TOKEN_HORIZONS,
  });
  const variables = initDecoderParams(config, spec.seed ?? 1);
  // With a ranking head (default width), so the benchmark can time re-ranking too.
  const ranking = { hiddenDim: 64 };
  for (const [name, variable] of initRankingParams(config, ranking, spec.seed ?? 1)) variables.set(name, variable);
  const params = new Map<string, tf.Tensor>(variables);
  const decoder = new Decoder(config, params);
  const itemEmbeddings = decoder.retrievalTable(); // [N, d] unit rows
  const sid = spec.sidHead ? syntheticSids(spec.itemCount, config.dim, spec.seed ?? 1) : undefined;
  if (sid) for (const [name, t] of sid.params) params.set(name, t);
  try {
    return await buildArtifacts({
      config,
      params,
      ranking,
      itemEmbeddings,
      ...(sid
        ? {
            prefixMem: sid.prefixMem,
            sidHead: sid.sidHead,
            sid: { levels: 3, codebookSize: SYNTHETIC_SID_CODES },
            extraFiles: [{ role: 'sid-codes' as const, path: 'sids.bin', bytes: sid.bytes }],
          }
        : {}),
      outcomes: SYNTHETIC_OUTCOMES,
      outcomePrior: [0.2, 0.4, 0.4],
      dataset: {
        name: `synthetic-${spec.itemCount}`,
        users: 0,
        items: spec.itemCount,
        events: 0,
        attribution: 'Synthetic random-weight model for latency benchmarks; not trained on any data.',
      },
    });
  } finally {
    itemEmbeddings.dispose();
    for (const variable of variables.values()) variable.dispose();
    if (sid) for (const t of sid.params.values()) t.dispose();
  }
}

/** Codes per level of the synthetic SIDs (TIGER's 3 x 256). */
export const SYNTHETIC_SID_CODES = 256;

/** Seeded random SIDs (3 x 256 + disambiguation) with PrefixMem and SID-head weights for them. */
function syntheticSids(itemCount: number, dim: number, seed: number) {
  let state = (seed ^ 0x9e3779b9) >>> 0;
  const codes = Int32Array.from({ length: itemCount * 3 }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state >>> 24; // 0..255
  });
  const { table } = buildSidTable(codes, itemCount, 3, SYNTHETIC_SID_CODES);
  const bytes = new Uint8Array(serializeSidArtifacts({ table, trie: buildTrie(table) }));
  const prefixMemConfig = prefixMemConfigFor(table, { dim });
  const prefixMem = new PrefixMem(prefixMemConfig, seed);
  const sidHead = sidHeadConfigFor({ table, prefixMem }, dim);
  const params = new Map<string, tf.Tensor>([...prefixMem.variables, ...initSidHeadVariables(sidHead, seed + 1)]);
  return { prefixMem: prefixMemConfig, sidHead, params, bytes };
}
