/**
 * The model artifact contract: what `pocketrec train` exports and what the browser runtime and the
 * CLI load. Everything that reads or checks a manifest goes through this module: `parseManifest` /
 * `validateManifest` (structure, sizes and limits, before any file is downloaded or any buffer sized
 * by the manifest is allocated), `verifyFiles` / `verifyFile` (bytes and sha256, `ModelIntegrityError`)
 * and `modelVersionOf` (the version a manifest must carry, derived from every file).
 *
 * A model is a folder (or URL prefix) holding `manifest.json` plus binary files it lists. Every file
 * carries its byte size and sha256 so a loader can reject truncated or corrupt downloads before they
 * replace a working model. docs/artifacts.md describes the format precisely enough to write it from
 * another framework (e.g. PyTorch); keep the two in step.
 */
import { ModelFormatError, ModelIntegrityError } from '../errors/errors.ts';
import { sha256Hex } from '../util/sha256.ts';
import { parameterShapes, validateDecoderConfig, type DecoderConfig } from './decoder.ts';
import { itemTableBytes, parseItemEncoding, type ItemEmbeddingEncoding } from './item-table.ts';
import { rankingParameterShapes, validateRankingConfig, type RankingHeadConfig } from './ranking-head.ts';
import { sidHeadShapes, validateSidHeadConfig, type SidHeadConfig } from './sid-head.ts';

/** The value of `ModelManifest.format`. */
export const MANIFEST_FORMAT = 'pocketrec-model';
/** Bumped on any incompatible change; loaders refuse versions they do not know. */
export const MANIFEST_FORMAT_VERSION = 1;

/** What a binary file is for; the runtime finds files by role, not by name. */
export type ArtifactRole =
  | 'weights' // every named tensor of the model, concatenated (see `TensorEntry`)
  | 'item-embeddings' // [itemCount, embeddingDim], the retrieval table, in `itemEmbeddingEncoding` (default float32)
  | 'sid-codes' // semantic-ID table and prefix trie, one blob (`serializeSidArtifacts`, src/sid/sid-table.ts)
  | 'catalog'; // JSON: item ids, titles and content for display

/** One file of the model, relative to the manifest's URL. */
export interface ArtifactFileEntry {
  role: ArtifactRole;
  /** Path relative to manifest.json, e.g. `weights.bin`. */
  path: string;
  /** Exact size in bytes. */
  bytes: number;
  /** Lower-case hex sha256 of the file's bytes. */
  sha256: string;
}

/** Element types used in binary files (little-endian). */
export type ArtifactDType = 'float32' | 'int32' | 'uint16' | 'uint8';

/** One named tensor inside the `weights` file. */
export interface TensorEntry {
  /** Stable parameter name, e.g. `blocks.0.attn.qkv.kernel`. */
  name: string;
  dtype: ArtifactDType;
  shape: number[];
  /** Offset of the tensor's first byte inside the weights file (a multiple of 4). */
  byteOffset: number;
}

/** Top-level description of an exported model. */
export interface ModelManifest {
  format: typeof MANIFEST_FORMAT;
  formatVersion: number;
  /** Unique id of this build (e.g. a hash of the weights); a new version replaces an old one atomically. */
  modelVersion: string;
  /** ISO-8601 time of export. */
  createdAt: string;
  /** Where the training data came from, with the attribution its license requires. */
  dataset: { name: string; users: number; items: number; events: number; attribution?: string };
  /** Outcome vocabulary the model was conditioned on, e.g. `['dislike','watch','love']`. */
  outcomes: string[];
  /** Names of the multi-token horizons the head emits, e.g. `['next','soon','later']`. */
  horizons: string[];
  /** Number of items in the retrieval table. */
  itemCount: number;
  /** Width of query and item embeddings. */
  embeddingDim: number;
  /**
   * How `item-embeddings` is stored: fp16, or int8 with a float32 scale per row. Absent means float32
   * (every model exported before this field existed). Decoded to float32 once at load.
   */
  itemEmbeddingEncoding?: ItemEmbeddingEncoding;
  /** The model's own configuration (the decoder's config type), as JSON. */
  model: Record<string, unknown>;
  /** Semantic-ID configuration, when the model has SIDs. */
  sid?: { levels: number; codebookSize: number; [key: string]: unknown };
  /** Named tensors inside the `weights` file. */
  tensors: TensorEntry[];
  /** Every binary/JSON file the model needs. */
  files: ArtifactFileEntry[];
  /** Evaluation results at export time (e.g. `hr@10`), for display and regression checks. */
  metrics?: Record<string, number>;
}

/**
 * Upper bounds a manifest must respect. They are checked before anything is downloaded, so a manifest
 * that claims absurd sizes (typo, corruption, hostile server) fails fast with `ModelFormatError`
 * instead of allocating gigabytes. The largest model benchmarked (1M items, d=50) uses 200 MB per table.
 */
export const ARTIFACT_LIMITS = {
  /** Items in the retrieval table. */
  maxItemCount: 4_000_000,
  /** Embedding width. */
  maxEmbeddingDim: 4096,
  /** Bytes of any one file (a browser ArrayBuffer of this size must be possible). */
  maxFileBytes: 1024 * 1024 * 1024,
  /** Bytes of all files together. */
  maxTotalBytes: 2 * 1024 * 1024 * 1024,
  /** Entries of `files`. */
  maxFiles: 16,
  /** Entries of `tensors`. */
  maxTensors: 4096,
  /** Outcomes and horizons. */
  maxVocabulary: 256,
  /** Bytes of manifest.json itself (the shipped model's is about 20 kB). */
  maxManifestBytes: 16 * 1024 * 1024,
} as const;

/** Roles a file entry may have. */
export const ARTIFACT_ROLES: readonly ArtifactRole[] = ['weights', 'item-embeddings', 'sid-codes', 'catalog'];

const DTYPE_BYTES: Record<ArtifactDType, number> = { float32: 4, int32: 4, uint16: 2, uint8: 1 };

/** Bytes of one tensor's values. */
export function tensorBytes(entry: Pick<TensorEntry, 'dtype' | 'shape'>): number {
  return entry.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[entry.dtype];
}

/** The decoder config inside `manifest.model`, if the manifest is a pocketrec decoder's. */
function decoderConfigOf(manifest: ModelManifest): DecoderConfig | undefined {
  const model = manifest.model as { kind?: unknown; decoder?: unknown };
  return model.kind === 'pinrec-decoder' ? (model.decoder as DecoderConfig) : undefined;
}

/** First bytes of a body that is an HTML page rather than JSON (e.g. a dev server's index.html). */
function looksLikeHtml(text: string): boolean {
  return /^\s*<(!doctype|html|head|body|script|meta|!--)/i.test(text);
}

/**
 * Parses the text of `manifest.json` fetched or read from `source` (a URL or a path) and validates it.
 * An HTML page (what Vite's dev and preview servers answer, status 200, for a path that does not
 * exist) is named as such: `ModelFormatError` with `details.reason: 'html'`.
 */
export function parseManifest(text: string, source: string): ModelManifest {
  if (looksLikeHtml(text)) {
    throw new ModelFormatError(
      `${source} is an HTML page, not a pocketrec model manifest: check the URL or path (a dev or preview server answers a missing file with its index.html, status 200); it must point at the exported manifest.json.`,
      { url: source, reason: 'html' },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelFormatError(
      `${source} is not valid JSON, so it is not a pocketrec model manifest: check the URL; it must point at the exported manifest.json.`,
      { url: source, reason: 'not-json' },
      { cause: error },
    );
  }
  return validateManifest(json, source);
}

/**
 * Checks that a parsed JSON value is a manifest this runtime understands, with consistent and sane
 * sizes: every field's type, each file's role, path, size and sha256, the exact size of
 * `item-embeddings` for its `itemEmbeddingEncoding` (`itemTableBytes`; float32 when absent), each tensor inside the `weights` file (which holds nothing
 * else), the decoder config against `itemCount`/`embeddingDim` and the tensor table, and
 * `ARTIFACT_LIMITS`. Throws `ModelFormatError` naming the first problem. Allocates nothing sized by
 * the manifest.
 */
export function validateManifest(value: unknown, source: string): ModelManifest {
  const fail = (why: string): never => {
    throw new ModelFormatError(
      `${source} is not a usable pocketrec model manifest: ${why}. Re-export the model with \`pocketrec train\`.`,
      { url: source, reason: 'invalid' },
    );
  };
  const isCount = (v: unknown, max: number): v is number =>
    typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= max;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('not a JSON object');
  const m = value as Record<string, unknown>;
  if (m.format !== MANIFEST_FORMAT) return fail(`format is ${JSON.stringify(m.format)}, expected "${MANIFEST_FORMAT}"`);
  if (m.formatVersion !== MANIFEST_FORMAT_VERSION) {
    return fail(
      `formatVersion ${String(m.formatVersion)} is not supported (this runtime reads version ${MANIFEST_FORMAT_VERSION}); update pocketrec or re-export`,
    );
  }
  if (typeof m.modelVersion !== 'string' || !/^[\w.-]{1,128}$/.test(m.modelVersion))
    return fail('modelVersion is missing or not a short word ([A-Za-z0-9_.-])');
  if (typeof m.createdAt !== 'string') return fail('createdAt is missing');
  const dataset = m.dataset as Record<string, unknown> | undefined;
  if (typeof dataset !== 'object' || dataset === null || typeof dataset.name !== 'string') return fail('dataset.name is missing');
  const words = (v: unknown, name: string): string[] => {
    if (!Array.isArray(v) || v.length === 0 || v.length > ARTIFACT_LIMITS.maxVocabulary || !v.every((x) => typeof x === 'string'))
      return fail(`${name} must be 1 to ${ARTIFACT_LIMITS.maxVocabulary} strings`);
    return v as string[];
  };
  const outcomes = words(m.outcomes, 'outcomes');
  const horizons = words(m.horizons, 'horizons');
  if (!isCount(m.itemCount, ARTIFACT_LIMITS.maxItemCount) || m.itemCount === 0)
    return fail(`itemCount ${String(m.itemCount)} is not an integer in 1..${ARTIFACT_LIMITS.maxItemCount}`);
  if (!isCount(m.embeddingDim, ARTIFACT_LIMITS.maxEmbeddingDim) || m.embeddingDim === 0)
    return fail(`embeddingDim ${String(m.embeddingDim)} is not an integer in 1..${ARTIFACT_LIMITS.maxEmbeddingDim}`);
  const itemCount = m.itemCount;
  const dim = m.embeddingDim;
  if (typeof m.model !== 'object' || m.model === null || Array.isArray(m.model)) return fail('model is not an object');
  if (m.sid !== undefined && (typeof m.sid !== 'object' || m.sid === null)) return fail('sid is not an object');
  if (m.metrics !== undefined && (typeof m.metrics !== 'object' || m.metrics === null)) return fail('metrics is not an object');

  // Files: roles, paths, sizes, hashes, limits.
  if (!Array.isArray(m.files) || m.files.length === 0 || m.files.length > ARTIFACT_LIMITS.maxFiles)
    return fail(`files must list 1 to ${ARTIFACT_LIMITS.maxFiles} files`);
  const files = new Map<ArtifactRole, ArtifactFileEntry>();
  let total = 0;
  for (const raw of m.files as unknown[]) {
    const file = raw as Partial<ArtifactFileEntry> | null;
    if (
      typeof file !== 'object' ||
      file === null ||
      typeof file.path !== 'string' ||
      file.path === '' ||
      typeof file.role !== 'string'
    )
      return fail(`file entry ${JSON.stringify(raw)} lacks path or role`);
    if (!ARTIFACT_ROLES.includes(file.role)) return fail(`file ${file.path} has unknown role "${file.role}"`);
    if (files.has(file.role)) return fail(`two files have role "${file.role}"`);
    if (!isCount(file.bytes, ARTIFACT_LIMITS.maxFileBytes))
      return fail(`file ${file.path}: bytes ${String(file.bytes)} is not an integer in 0..${ARTIFACT_LIMITS.maxFileBytes}`);
    if (typeof file.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(file.sha256))
      return fail(`file ${file.path} has no valid sha256`);
    total += file.bytes;
    files.set(file.role, file as ArtifactFileEntry);
  }
  if (total > ARTIFACT_LIMITS.maxTotalBytes)
    return fail(`the files add up to ${total} bytes (limit ${ARTIFACT_LIMITS.maxTotalBytes})`);
  const weights = files.get('weights');
  const embeddings = files.get('item-embeddings');
  if (!weights) return fail('no file has role "weights"');
  if (!embeddings) return fail('no file has role "item-embeddings"');
  const encoding = parseItemEncoding(m.itemEmbeddingEncoding);
  if (typeof encoding === 'string') return fail(encoding);
  const embeddingBytes = itemTableBytes(encoding, itemCount, dim);
  if (embeddings.bytes !== embeddingBytes) {
    const formula =
      encoding.type === 'fp32'
        ? `itemCount ${itemCount} x embeddingDim ${dim} x 4 = ${embeddingBytes}`
        : encoding.type === 'fp16'
          ? `fp16: itemCount ${itemCount} x embeddingDim ${dim} x 2 = ${embeddingBytes}`
          : `int8 per-row: itemCount ${itemCount} x 4 + itemCount x embeddingDim ${dim} (padded to 4) = ${embeddingBytes}`;
    return fail(`item-embeddings ${embeddings.path} has ${embeddings.bytes} bytes, but ${formula}`);
  }

  // Tensors: each inside the weights file, which holds nothing else (4-byte alignment padding only).
  if (!Array.isArray(m.tensors) || m.tensors.length > ARTIFACT_LIMITS.maxTensors)
    return fail(`tensors must list at most ${ARTIFACT_LIMITS.maxTensors} entries`);
  const tensors = new Map<string, TensorEntry>();
  let packed = 0;
  for (const raw of m.tensors as unknown[]) {
    const t = raw as Partial<TensorEntry> | null;
    if (typeof t !== 'object' || t === null || typeof t.name !== 'string')
      return fail(`tensor entry ${JSON.stringify(raw)} has no name`);
    if (tensors.has(t.name)) return fail(`tensor ${t.name} is listed twice`);
    if (typeof t.dtype !== 'string' || !(t.dtype in DTYPE_BYTES))
      return fail(`tensor ${t.name} has unknown dtype ${String(t.dtype)}`);
    if (!Array.isArray(t.shape) || !t.shape.every((n) => isCount(n, ARTIFACT_LIMITS.maxFileBytes)))
      return fail(`tensor ${t.name} has a bad shape`);
    const bytes = tensorBytes(t as TensorEntry);
    if (!isCount(t.byteOffset, ARTIFACT_LIMITS.maxFileBytes) || t.byteOffset % 4 !== 0 || t.byteOffset + bytes > weights.bytes)
      return fail(
        `tensor ${t.name} (${bytes} bytes at offset ${String(t.byteOffset)}) does not fit in the ${weights.bytes}-byte weights file`,
      );
    packed += Math.ceil(bytes / 4) * 4;
    tensors.set(t.name, t as TensorEntry);
  }
  if (weights.bytes > packed)
    return fail(`weights ${weights.path} has ${weights.bytes} bytes but its tensors use only ${packed}`);

  // The decoder config agrees with the sizes above and with the tensor table.
  const manifest = value as ModelManifest;
  const config = decoderConfigOf(manifest);
  if (config) {
    try {
      if (typeof config !== 'object' || config === null) throw new Error('not an object');
      if (!(config.blocks <= ARTIFACT_LIMITS.maxTensors)) throw new Error(`blocks ${String(config.blocks)} is absurd`);
      validateDecoderConfig(config);
    } catch (error) {
      return fail(`model.decoder: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (config.itemCount !== itemCount || config.dim !== dim)
      return fail(
        `model.decoder has itemCount ${config.itemCount} and dim ${config.dim}, the manifest itemCount ${itemCount} and embeddingDim ${dim}`,
      );
    if (config.outcomeCount !== outcomes.length)
      return fail(`model.decoder.outcomeCount ${config.outcomeCount} but ${outcomes.length} outcomes`);
    if (config.horizons.length !== horizons.length)
      return fail(`model.decoder has ${config.horizons.length} horizons, horizons lists ${horizons.length}`);
    const ranking = (manifest.model as { ranking?: RankingHeadConfig }).ranking;
    if (ranking !== undefined) {
      try {
        validateRankingConfig(ranking);
      } catch (error) {
        return fail(`model.ranking: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const needed = [...parameterShapes(config), ...(ranking !== undefined ? rankingParameterShapes(config, ranking) : [])];
    for (const [name, shape] of needed) {
      const entry = tensors.get(name);
      if (!entry) return fail(`tensor ${name} is missing`);
      if (entry.shape.length !== shape.length || entry.shape.some((n, i) => n !== shape[i]))
        return fail(`tensor ${name} has shape [${entry.shape.join(', ')}], the decoder config needs [${shape.join(', ')}]`);
    }
    const sidHead = (manifest.model as { sidHead?: SidHeadConfig }).sidHead;
    if (sidHead !== undefined) {
      try {
        validateSidHeadConfig(sidHead);
      } catch (error) {
        return fail(`model.sidHead: ${error instanceof Error ? error.message : String(error)}`);
      }
      if (!(manifest.model as { prefixMem?: unknown }).prefixMem)
        return fail('model.sidHead needs model.prefixMem (the SID head reads PrefixMem)');
      if (sidHead.queryDim !== dim) return fail(`model.sidHead.queryDim ${sidHead.queryDim} but embeddingDim ${dim}`);
      if (!files.has('sid-codes')) return fail('model.sidHead needs a file with role "sid-codes"');
      for (const [name, shape] of sidHeadShapes(sidHead)) {
        const entry = tensors.get(name);
        if (!entry) return fail(`tensor ${name} is missing`);
        if (entry.shape.length !== shape.length || entry.shape.some((n, i) => n !== shape[i]))
          return fail(`tensor ${name} has shape [${entry.shape.join(', ')}], model.sidHead needs [${shape.join(', ')}]`);
      }
    }
  }
  return manifest;
}

/**
 * Checks one file's bytes against its manifest entry: `ModelIntegrityError` with `details.reason`
 * `truncated` / `size-mismatch` (wrong size) or `hash-mismatch` (same size, other bytes).
 */
export async function verifyFile(entry: ArtifactFileEntry, bytes: ArrayBuffer, source: string): Promise<void> {
  if (bytes.byteLength !== entry.bytes) {
    const cut = bytes.byteLength < entry.bytes;
    throw new ModelIntegrityError(
      `${source} has ${bytes.byteLength} bytes but the manifest says ${entry.bytes}: the file was ${cut ? 'cut off' : 'replaced by a different file'}. The previous model, if any, stays active; retry, and if it persists re-deploy the model files together with their manifest.`,
      {
        url: source,
        role: entry.role,
        reason: cut ? 'truncated' : 'size-mismatch',
        expectedBytes: entry.bytes,
        actualBytes: bytes.byteLength,
      },
    );
  }
  const actual = await sha256Hex(bytes);
  if (actual !== entry.sha256) {
    throw new ModelIntegrityError(
      `${source} is corrupt: its sha256 is ${actual} but the manifest says ${entry.sha256}. The previous model, if any, stays active; re-deploy the model files together with the manifest that lists them (a CDN or service worker may serve a stale copy).`,
      { url: source, role: entry.role, reason: 'hash-mismatch', expectedSha256: entry.sha256, actualSha256: actual },
    );
  }
}

/**
 * Checks every file the manifest lists against `files` (role -> bytes): present, right size, right
 * sha256. Throws `ModelIntegrityError` (`details.reason: 'missing'` for an absent file).
 * `sourceOf(entry)` names a file in messages (default: its path).
 */
export async function verifyFiles(
  manifest: ModelManifest,
  files: Map<ArtifactRole, ArrayBuffer>,
  sourceOf: (entry: ArtifactFileEntry) => string = (entry) => entry.path,
): Promise<void> {
  for (const entry of manifest.files) {
    const bytes = files.get(entry.role);
    if (!bytes)
      throw new ModelIntegrityError(`${sourceOf(entry)} (${entry.role}) is missing.`, {
        url: sourceOf(entry),
        role: entry.role,
        reason: 'missing',
      });
    await verifyFile(entry, bytes, sourceOf(entry));
  }
}

/**
 * The `modelVersion` pocketrec writes: the first 16 hex digits of the sha256 of one line
 * `<role> <path> <bytes> <sha256>\n` per file, in manifest order. Any changed file (weights, catalog,
 * SID table, ...) gives a new version, so browsers holding the old one download the new one.
 */
export async function modelVersionOf(files: readonly ArtifactFileEntry[]): Promise<string> {
  const lines = files.map((f) => `${f.role} ${f.path} ${f.bytes} ${f.sha256}\n`).join('');
  return (await sha256Hex(new TextEncoder().encode(lines))).slice(0, 16);
}
