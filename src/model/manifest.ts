/**
 * The model artifact format: what `pocketrec train` exports and what the browser runtime loads.
 *
 * A model is a folder (or URL prefix) holding `manifest.json` plus binary files it lists. Every file
 * carries its byte size and sha256 so a loader can reject truncated or corrupt downloads before they
 * replace a working model. docs/artifacts.md describes the format precisely enough to write it from
 * another framework (e.g. PyTorch); keep the two in step.
 */

/** The value of `ModelManifest.format`. */
export const MANIFEST_FORMAT = 'pocketrec-model';
/** Bumped on any incompatible change; loaders refuse versions they do not know. */
export const MANIFEST_FORMAT_VERSION = 1;

/** What a binary file is for; the runtime finds files by role, not by name. */
export type ArtifactRole =
  | 'weights' // every named tensor of the model, concatenated (see `TensorEntry`)
  | 'item-embeddings' // float32 [itemCount, embeddingDim], the retrieval table
  | 'sid-codes' // semantic-ID codes per item (see src/sid)
  | 'sid-trie' // prefix trie over the codes (see src/sid)
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
