/**
 * Fetching a model: the manifest (parsed and checked by src/model/manifest.ts before any file is
 * requested), then every file with byte progress, each checked against the manifest's size and sha256
 * (`verifyFile`) before anything is stored. A truncated or corrupt file is rejected here with
 * `ModelIntegrityError`; nothing reaches IndexedDB.
 */
import { AbortError, ModelFormatError, ModelIntegrityError, NetworkError } from '../errors/errors.ts';
import {
  ARTIFACT_LIMITS,
  parseManifest,
  verifyFile,
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
  // Read at most the limit (plus one chunk): a huge body is refused without holding it in memory.
  const limit = ARTIFACT_LIMITS.maxManifestBytes;
  let body: ArrayBuffer;
  try {
    body = await readBody(response, limit, () => undefined, signal);
  } catch (error) {
    throwIfAborted(signal);
    throw new NetworkError(
      `Reading the model manifest ${url} failed: ${error instanceof Error ? error.message : String(error)}.`,
      { url },
      { cause: error },
    );
  }
  if (body.byteLength > limit) {
    throw new ModelFormatError(
      `${url} answered more than ${limit} bytes, far more than a pocketrec model manifest: check the URL; it must point at the exported manifest.json.`,
      { url, reason: 'too-large', limitBytes: limit },
    );
  }
  return parseManifest(new TextDecoder().decode(body), url);
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
    if (error instanceof NetworkError) throw error; // e.g. the stall timeout (store/stall.ts)
    throw new ModelIntegrityError(
      `The download of ${url} was cut off (${error instanceof Error ? error.message : String(error)}). The previous model, if any, stays active; retry when the connection is stable.`,
      { url, role: entry.role, reason: 'truncated', expectedBytes: entry.bytes },
    );
  }
  await verifyFile(entry, body, url);
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
