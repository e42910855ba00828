/**
 * Fetching a model: the manifest, then every file with byte progress, each checked against the
 * manifest's size and sha256 before anything is stored. A truncated or corrupt file is rejected here
 * with `ModelIntegrityError`; nothing reaches IndexedDB.
 */
import { AbortError, ModelFormatError, ModelIntegrityError, NetworkError } from '../errors/errors.ts';
import {
  MANIFEST_FORMAT,
  MANIFEST_FORMAT_VERSION,
  type ArtifactFileEntry,
  type ArtifactRole,
  type ModelManifest,
} from '../model/manifest.ts';

/** The `fetch` the loader uses (injectable for tests). */
export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** Byte progress of a download. */
export interface ByteProgress {
  loaded: number;
  total: number;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError();
}

/** Lower-case hex sha256 of some bytes (WebCrypto; available in windows, workers and Node 20). */
export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const byte of digest) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

/** Checks that a parsed JSON value is a manifest this runtime understands. */
export function validateManifest(value: unknown, url: string): ModelManifest {
  const fail = (why: string): never => {
    throw new ModelFormatError(
      `${url} is not a usable pocketrec model manifest: ${why}. Re-export the model with \`pocketrec export\`.`,
      { url },
    );
  };
  if (typeof value !== 'object' || value === null) return fail('not a JSON object');
  const m = value as Partial<ModelManifest>;
  if (m.format !== MANIFEST_FORMAT) return fail(`format is ${JSON.stringify(m.format)}, expected "${MANIFEST_FORMAT}"`);
  if (m.formatVersion !== MANIFEST_FORMAT_VERSION) {
    return fail(
      `formatVersion ${String(m.formatVersion)} is not supported (this runtime reads version ${MANIFEST_FORMAT_VERSION}); update pocketrec or re-export`,
    );
  }
  if (typeof m.modelVersion !== 'string' || m.modelVersion === '') return fail('modelVersion is missing');
  if (!Array.isArray(m.files) || m.files.length === 0) return fail('files is empty');
  for (const file of m.files) {
    if (typeof file.path !== 'string' || typeof file.role !== 'string' || !Number.isInteger(file.bytes) || file.bytes < 0) {
      return fail(`file entry ${JSON.stringify(file)} lacks path, role or bytes`);
    }
    if (typeof file.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(file.sha256))
      return fail(`file ${file.path} has no valid sha256`);
  }
  if (!m.files.some((f) => f.role === 'weights')) return fail('no file has role "weights"');
  if (!m.files.some((f) => f.role === 'item-embeddings')) return fail('no file has role "item-embeddings"');
  if (!Array.isArray(m.outcomes) || m.outcomes.length === 0) return fail('outcomes is empty');
  if (!Array.isArray(m.horizons) || m.horizons.length === 0) return fail('horizons is empty');
  return m as ModelManifest;
}

/** Fetches and validates `manifest.json`; `cache: 'no-cache'` so an app update is seen at once. */
export async function fetchManifest(url: string, fetchImpl: FetchLike, signal?: AbortSignal): Promise<ModelManifest> {
  throwIfAborted(signal);
  let response: Response;
  try {
    response = await fetchImpl(url, { signal, cache: 'no-cache' });
  } catch (error) {
    throwIfAborted(signal);
    throw new NetworkError(
      `Could not fetch the model manifest ${url}: ${error instanceof Error ? error.message : String(error)}. Check the URL and the connection.`,
      { url },
      { cause: error },
    );
  }
  if (!response.ok) {
    throw new NetworkError(`Fetching the model manifest ${url} answered HTTP ${response.status}. Check modelUrl.`, {
      url,
      status: response.status,
    });
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (error) {
    throwIfAborted(signal);
    throw new ModelFormatError(
      `${url} is not valid JSON; modelUrl must point at the exported manifest.json.`,
      { url },
      { cause: error },
    );
  }
  return validateManifest(json, url);
}

/** Reads a response body into one buffer, reporting bytes as they arrive. */
async function readBody(
  response: Response,
  expectedBytes: number,
  onBytes: (delta: number) => void,
  signal?: AbortSignal,
): Promise<ArrayBuffer> {
  if (!response.body) {
    const buffer = await response.arrayBuffer();
    onBytes(buffer.byteLength);
    return buffer;
  }
  const reader = response.body.getReader();
  const parts: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    throwIfAborted(signal);
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    length += value.byteLength;
    onBytes(value.byteLength);
    if (length > expectedBytes) break; // more than the manifest says: stop reading, rejected below
  }
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out.buffer;
}

/**
 * Downloads one file and verifies it. Throws `ModelIntegrityError` when the size or hash differs from
 * the manifest (a cut-off download, a corrupt or stale file served by a cache).
 */
export async function downloadFile(
  baseUrl: string,
  entry: ArtifactFileEntry,
  fetchImpl: FetchLike,
  onBytes: (delta: number) => void,
  signal?: AbortSignal,
): Promise<ArrayBuffer> {
  const url = new URL(entry.path, baseUrl).toString();
  throwIfAborted(signal);
  let response: Response;
  try {
    response = await fetchImpl(url, { signal, cache: 'no-cache' });
  } catch (error) {
    throwIfAborted(signal);
    throw new NetworkError(
      `Could not download ${url}: ${error instanceof Error ? error.message : String(error)}.`,
      { url, role: entry.role },
      { cause: error },
    );
  }
  if (!response.ok)
    throw new NetworkError(`Downloading ${url} answered HTTP ${response.status}.`, {
      url,
      role: entry.role,
      status: response.status,
    });
  let body: ArrayBuffer;
  try {
    body = await readBody(response, entry.bytes, onBytes, signal);
  } catch (error) {
    throwIfAborted(signal);
    throw new ModelIntegrityError(
      `The download of ${url} was cut off (${error instanceof Error ? error.message : String(error)}). The previous model, if any, stays active; retry when the connection is stable.`,
      { url, role: entry.role, reason: 'truncated', expectedBytes: entry.bytes },
    );
  }
  if (body.byteLength !== entry.bytes) {
    throw new ModelIntegrityError(
      `${url} has ${body.byteLength} bytes but the manifest says ${entry.bytes}: the download was ${body.byteLength < entry.bytes ? 'cut off' : 'replaced by a different file'}. The previous model, if any, stays active; retry, and if it persists re-deploy the model files together with their manifest.`,
      {
        url,
        role: entry.role,
        reason: body.byteLength < entry.bytes ? 'truncated' : 'size-mismatch',
        expectedBytes: entry.bytes,
        actualBytes: body.byteLength,
      },
    );
  }
  const actual = await sha256Hex(body);
  if (actual !== entry.sha256) {
    throw new ModelIntegrityError(
      `${url} is corrupt: its sha256 is ${actual} but the manifest says ${entry.sha256}. The previous model, if any, stays active; re-deploy the model files together with the manifest that lists them (a CDN or service worker may serve a stale copy).`,
      { url, role: entry.role, reason: 'hash-mismatch', expectedSha256: entry.sha256, actualSha256: actual },
    );
  }
  return body;
}

/** Downloads and verifies every file of a manifest; `total` in progress is the sum of file sizes. */
export async function downloadModel(
  manifest: ModelManifest,
  manifestUrl: string,
  fetchImpl: FetchLike,
  onProgress: (progress: ByteProgress) => void,
  signal?: AbortSignal,
): Promise<Map<ArtifactRole, ArrayBuffer>> {
  const total = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
  let loaded = 0;
  onProgress({ loaded, total });
  const files = new Map<ArtifactRole, ArrayBuffer>();
  for (const entry of manifest.files) {
    const buffer = await downloadFile(
      manifestUrl,
      entry,
      fetchImpl,
      (delta) => {
        loaded += delta;
        onProgress({ loaded: Math.min(loaded, total), total });
      },
      signal,
    );
    files.set(entry.role, buffer);
  }
  return files;
}
