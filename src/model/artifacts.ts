/**
 * Model artifacts: building the manifest + binary files from a trained decoder (export), and
 * rebuilding the decoder from them (load). Both sides work on in-memory bytes (no fs), so the browser
 * runtime and Node share this code; the CLI writes/reads the files (src/cli/commands/train.ts).
 * The format is specified in docs/artifacts.md.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Decoder, parameterShapes, validateDecoderConfig, type DecoderConfig, type ItemEncoder } from './decoder.ts';
import {
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  modelVersionOf,
  validateManifest,
  type ArtifactFileEntry,
  type ArtifactRole,
  type ModelManifest,
} from './manifest.ts';
import { ModelFormatError } from '../errors/errors.ts';
import { sha256Hex } from '../util/sha256.ts';
import { packTensors, readTensorValues, unpackTensors, type HostTensor } from './weights-io.ts';
import { deserializeSidArtifacts, type SidArtifacts } from '../sid/sid-table.ts';
import { PrefixMem, prefixMemConfigFromManifest, type PrefixMemConfig, type StoredPrefixMemConfig } from './prefixmem.ts';
import { assignPrefixMem, PrefixMemItemEncoder } from './prefixmem-items.ts';
import { SidDecoding, type SidHeadSection } from './sid-decoding.ts';
import { SidHead } from './sid-head.ts';
import { decodeItemTable, encodeItemTable, itemEncodingOf, parseItemEncoding, type ItemPrecision } from './item-table.ts';
import { RankingHead, rankingParameterShapes, validateRankingConfig, type RankingHeadConfig } from './ranking-head.ts';

/** What the manifest's `model` field holds for a pocketrec decoder. */
export interface DecoderModelSection {
  /** Always `pinrec-decoder`. */
  kind: 'pinrec-decoder';
  decoder: DecoderConfig;
  /** Training frequency of each outcome (sums to 1): the prior for "any outcome" retrieval. */
  outcomePrior: number[];
  /** PrefixMem's config when `decoder.usePrefixMem` (its tensors are `prefixmem.*`; SIDs in `sid-codes`). */
  prefixMem?: StoredPrefixMemConfig;
  /** The ranking head's config when the model has one (its tensors are `rank.*`; src/model/ranking-head.ts). */
  ranking?: RankingHeadConfig;
  /** The SID decoding head's shape when the model generates SIDs (its tensors are `sidhead.*`; src/model/sid-head.ts). */
  sidHead?: SidHeadSection;
}

/** Inputs of `buildArtifacts`. */
export interface ExportInput {
  config: DecoderConfig;
  /** Trained tensors by parameter name (decoder names, plus `prefixmem.*` when used). */
  params: Map<string, tf.Tensor>;
  /** [itemCount, dim] unit retrieval table. */
  itemEmbeddings: tf.Tensor2D;
  /** How to store the retrieval table (default fp32; fp16 / int8 per-row scale are smaller, lossy). */
  itemPrecision?: ItemPrecision;
  outcomes: string[];
  outcomePrior: number[];
  /** PrefixMem's config when the item representation uses it. */
  prefixMem?: PrefixMemConfig;
  /** The ranking head's config when `params` holds its `rank.*` tensors. */
  ranking?: RankingHeadConfig;
  /** The SID head's config when the model has one (tensors `sidhead.*` in `params`). */
  sidHead?: SidHeadSection;
  dataset: ModelManifest['dataset'];
  metrics?: Record<string, number>;
  sid?: ModelManifest['sid'];
  /** Extra files by role (e.g. `catalog` JSON, `sid-codes`), stored as given. */
  extraFiles?: { role: ArtifactRole; path: string; bytes: Uint8Array }[];
  /** Overrides the export time (tests). */
  createdAt?: string;
}

/** Builds manifest.json and every file's bytes: path -> bytes (manifest.json included). */
export async function buildArtifacts(input: ExportInput): Promise<Map<string, Uint8Array>> {
  validateDecoderConfig(input.config);
  const names = parameterShapes(input.config).map(([n]) => n);
  for (const n of input.params.keys()) if (n.startsWith('prefixmem.')) names.push(n);
  if (input.ranking) {
    validateRankingConfig(input.ranking);
    for (const [n] of rankingParameterShapes(input.config, input.ranking)) names.push(n);
  }
  if (input.sidHead) for (const n of input.params.keys()) if (n.startsWith('sidhead.')) names.push(n);
  const hostTensors: HostTensor[] = names.map((name) => {
    const t = input.params.get(name);
    if (!t) throw new Error(`export: missing parameter ${name}`);
    return { name, shape: t.shape, data: t.dataSync() as Float32Array };
  });
  const weights = packTensors(hostTensors);
  const precision = input.itemPrecision ?? 'fp32';
  const [rows, dim] = input.itemEmbeddings.shape;
  const embeddings = encodeItemTable(input.itemEmbeddings.dataSync() as Float32Array, rows, dim, itemEncodingOf(precision));
  const files: { role: ArtifactRole; path: string; bytes: Uint8Array }[] = [
    { role: 'weights', path: 'weights.bin', bytes: weights.bytes },
    { role: 'item-embeddings', path: 'item-embeddings.bin', bytes: embeddings },
    ...(input.extraFiles ?? []),
  ];
  const entries: ArtifactFileEntry[] = [];
  for (const f of files)
    entries.push({ role: f.role, path: f.path, bytes: f.bytes.byteLength, sha256: await sha256Hex(f.bytes) });
  const model: DecoderModelSection = {
    kind: 'pinrec-decoder',
    decoder: input.config,
    outcomePrior: input.outcomePrior,
    ...(input.prefixMem ? { prefixMem: input.prefixMem } : {}),
    ...(input.ranking ? { ranking: input.ranking } : {}),
    ...(input.sidHead ? { sidHead: input.sidHead } : {}),
  };
  const manifest: ModelManifest = {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_FORMAT_VERSION,
    modelVersion: await modelVersionOf(entries),
    createdAt: input.createdAt ?? new Date().toISOString(),
    dataset: input.dataset,
    outcomes: input.outcomes,
    horizons: input.config.horizons.map((h) => h.name),
    itemCount: input.config.itemCount,
    embeddingDim: input.config.dim,
    // Written only when not float32, so fp32 exports stay byte-identical to before.
    ...(precision !== 'fp32' ? { itemEmbeddingEncoding: itemEncodingOf(precision) } : {}),
    model: model as unknown as Record<string, unknown>,
    ...(input.sid ? { sid: input.sid } : {}),
    tensors: weights.entries,
    files: entries,
    ...(input.metrics ? { metrics: input.metrics } : {}),
  };
  const out = new Map<string, Uint8Array>();
  out.set('manifest.json', new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`));
  for (const f of files) out.set(f.path, f.bytes);
  return out;
}

/**
 * Reads the decoder section of a manifest: checks the whole manifest with `validateManifest` (the one
 * set of checks, src/model/manifest.ts) and that it describes a pocketrec decoder. `ModelFormatError`.
 */
export function decoderSection(manifest: ModelManifest): DecoderModelSection {
  validateManifest(manifest, `model ${String(manifest.modelVersion)}`);
  const model = manifest.model as unknown as DecoderModelSection;
  if (model.kind !== 'pinrec-decoder')
    throw new ModelFormatError(
      `manifest.model.kind is ${JSON.stringify(model.kind)}, expected "pinrec-decoder"; re-export the model.`,
      {
        reason: 'invalid',
      },
    );
  return model;
}

/** Throws when a value is NaN or infinite (such a model would return nothing, silently; the engine reports ModelFormatError). */
function assertFinite(name: string, values: Float32Array): void {
  for (let i = 0; i < values.length; i++)
    if (!Number.isFinite(values[i]!)) throw new Error(`model artifacts: ${name} holds a non-finite value at index ${i}`);
}

/** A decoder rebuilt from artifacts: its tensors live on the current backend. Dispose when done. */
export interface LoadedDecoder {
  decoder: Decoder;
  section: DecoderModelSection;
  /** [itemCount, dim] unit retrieval table. */
  itemEmbeddings: tf.Tensor2D;
  /** The ranking head, when the model was exported with one (`model.ranking`). */
  ranking?: RankingHead;
  /** SID generation (head + PrefixMem + trie) when the model has a SID head. */
  sid?: SidDecoding;
  dispose(): void;
}

/**
 * Rebuilds the decoder from the manifest and its files (role -> bytes). Sizes are checked here;
 * checksums by `verifyFiles` (src/model/manifest.ts, async) where the bytes came from outside.
 */
export function loadDecoder(
  manifest: ModelManifest,
  files: Map<ArtifactRole, ArrayBuffer>,
  itemEncoder?: ItemEncoder,
): LoadedDecoder {
  const section = decoderSection(manifest);
  const need = (role: ArtifactRole): ArrayBuffer => {
    const entry = manifest.files.find((f) => f.role === role);
    const bytes = files.get(role);
    if (!entry || !bytes) throw new Error(`model artifacts: missing the ${role} file`);
    if (bytes.byteLength !== entry.bytes)
      throw new Error(`model artifacts: ${entry.path} has ${bytes.byteLength} bytes, manifest says ${entry.bytes}`);
    return bytes;
  };
  const weights = need('weights');
  for (const e of manifest.tensors) if (e.dtype === 'float32') assertFinite(e.name, readTensorValues(e, weights) as Float32Array);
  const params = unpackTensors(manifest.tensors, weights);
  const { itemCount, dim } = section.decoder;
  let itemEmbeddings: tf.Tensor2D | null = null;
  let prefixMem: PrefixMem | null = null;
  let sidEncoder: PrefixMemItemEncoder | null = null;
  let sidArtifacts: SidArtifacts | undefined;
  const release = () => {
    for (const t of params.values()) t.dispose();
    itemEmbeddings?.dispose();
    sidEncoder?.dispose();
    prefixMem?.dispose();
  };
  try {
    const encoding = parseItemEncoding(manifest.itemEmbeddingEncoding);
    if (typeof encoding === 'string') throw new Error(`model artifacts: ${encoding}`);
    // Decoded to float32 once here: the resident table is float32 whatever the file's encoding.
    const table = decodeItemTable(need('item-embeddings'), itemCount, dim, encoding);
    assertFinite('item embeddings', table);
    itemEmbeddings = tf.tensor2d(table, [itemCount, dim]);
    let encoder = itemEncoder;
    if (section.decoder.usePrefixMem && !encoder) {
      if (!section.prefixMem) throw new Error('model artifacts: usePrefixMem is set but model.prefixMem is missing');
      const sid = deserializeSidArtifacts(need('sid-codes'));
      sidArtifacts = sid;
      if (sid.table.items !== itemCount)
        throw new Error(`model artifacts: SID table has ${sid.table.items} items, the model ${itemCount}`);
      prefixMem = new PrefixMem(prefixMemConfigFromManifest(section.prefixMem), 0);
      sidEncoder = new PrefixMemItemEncoder(prefixMem, sid.table);
      sidEncoder.assignFrom(params);
      encoder = sidEncoder;
    }
    const decoder = new Decoder(section.decoder, params, encoder);
    const embeddings = itemEmbeddings;
    const ranking = section.ranking ? new RankingHead(decoder, params, section.ranking) : undefined;
    let sid: SidDecoding | undefined;
    if (section.sidHead) {
      // The head reads PrefixMem: the item representation's, or (ID-only item representation) its own.
      if (!section.prefixMem) throw new Error('model artifacts: a SID head needs model.prefixMem');
      if (!sidArtifacts) {
        sidArtifacts = deserializeSidArtifacts(need('sid-codes'));
        if (sidArtifacts.table.items !== itemCount)
          throw new Error(`model artifacts: SID table has ${sidArtifacts.table.items} items, the model ${itemCount}`);
      }
      if (!prefixMem) {
        prefixMem = new PrefixMem(prefixMemConfigFromManifest(section.prefixMem), 0);
        assignPrefixMem(prefixMem, params);
      }
      sid = new SidDecoding(new SidHead(section.sidHead, params), prefixMem, sidArtifacts.table, sidArtifacts.trie);
    }
    return {
      decoder,
      section,
      itemEmbeddings: embeddings,
      ...(ranking ? { ranking } : {}),
      ...(sid ? { sid } : {}),
      dispose: release,
    };
  } catch (error) {
    release();
    throw error;
  }
}
