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
  try {
    return await buildArtifacts({
      config,
      params,
      ranking,
      itemEmbeddings,
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
  }
}
