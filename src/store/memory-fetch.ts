/**
 * A `fetch` over files held in memory: how a model trained in the page (the demo's "Train on your own
 * data") is installed through the normal loader (verify -> store -> activate) without any request.
 * Keys are paths relative to the manifest (`manifest.json`, `weights.bin`, ...); other URLs go to
 * `fallback` (e.g. a later `update()` from the network), or answer 404 without one.
 */
import type { FetchLike } from './download.ts';

/** Model files by path relative to `manifest.json` (the exporter's file names). */
export type ModelFiles = Record<string, ArrayBuffer | Uint8Array>;

/** Serves `files` as if they sat next to `manifestUrl`. */
export function memoryFetch(manifestUrl: string, files: ModelFiles, fallback?: FetchLike): FetchLike {
  const byUrl = new Map<string, ArrayBuffer | Uint8Array>();
  for (const [path, bytes] of Object.entries(files)) byUrl.set(new URL(path, manifestUrl).toString(), bytes);
  return async (input, init) => {
    const bytes = byUrl.get(new URL(input).toString());
    if (!bytes && fallback) return fallback(input, init);
    if (!bytes) return new Response(null, { status: 404, statusText: 'not among the in-memory model files' });
    const copy = bytes instanceof Uint8Array ? bytes.slice() : new Uint8Array(bytes.slice(0));
    return new Response(copy, { status: 200, headers: { 'content-length': String(copy.byteLength) } });
  };
}
