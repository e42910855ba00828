/**
 * Getting a model ready to run: from IndexedDB when the active version is current (or the network is
 * gone), otherwise download -> verify -> stage -> activate -> collect garbage.
 *
 * Guarantees: the active pointer moves only after the new version is completely stored and verified;
 * any failure (bad hash, cut-off download, quota, abort) leaves the previous version active and the
 * history untouched; a model the browser evicted is downloaded again.
 */
import { NetworkError, PocketrecError, toPocketrecError } from '../errors/errors.ts';
import { decodeCatalog } from '../model/catalog-file.ts';
import type { ArtifactRole, ModelManifest } from '../model/manifest.ts';
import { downloadModel, fetchManifest, type FetchLike } from './download.ts';
import type { ModelStore } from './model-store.ts';
import type { StoredCatalog } from './schema.ts';

/** Loading phases, in order. */
export type LoadPhase = 'download' | 'verify' | 'store' | 'compile' | 'ready';

/** One progress report; bytes are meaningful in `download` and `store`. */
export interface LoadProgress {
  phase: LoadPhase;
  loadedBytes: number;
  totalBytes: number;
}

/** A model ready to hand to the runtime. */
export interface LoadedModel {
  manifest: ModelManifest;
  files: Map<ArtifactRole, ArrayBuffer>;
  catalog: Omit<StoredCatalog, 'namespace' | 'modelVersion'>;
  /** Where it came from this time. */
  source: 'network' | 'storage';
  /** Why storage was used although a URL was given (e.g. offline), if so. */
  note?: string;
}

/** Options of `loadModel`. */
export interface LoadModelOptions<P> {
  manifestUrl: string;
  store: ModelStore;
  fetch: FetchLike;
  /**
   * Builds what the caller runs (the runtime) from a loaded model. For a new version it runs after
   * the files are stored and before the version is activated, so a model that cannot be built never
   * becomes active. `release` undoes it if activation fails afterwards.
   */
  prepare: (model: LoadedModel) => Promise<P>;
  release: (prepared: P) => void;
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
}

/**
 * Raw item ids (and titles) from the `catalog` file (`decodeCatalog`, src/model/catalog-file.ts).
 * Without a catalog file the ids are the row numbers as strings. Throws `ModelFormatError` for a
 * catalog that is not what the exporter writes or does not match `itemCount`.
 */
export function parseCatalog(
  manifest: ModelManifest,
  files: Map<ArtifactRole, ArrayBuffer>,
): Omit<StoredCatalog, 'namespace' | 'modelVersion'> {
  const buffer = files.get('catalog');
  if (!buffer) return { itemIds: Array.from({ length: manifest.itemCount }, (_, i) => String(i)) };
  const { ids, titles } = decodeCatalog(buffer, manifest.itemCount);
  return titles ? { itemIds: ids, titles } : { itemIds: ids };
}

/** Loads the model of `options.store.namespace` (see the module comment for the guarantees). */
export async function loadModel<P>(options: LoadModelOptions<P>): Promise<{ loaded: LoadedModel; prepared: P }> {
  const { store, signal } = options;
  const report = (phase: LoadPhase, loadedBytes = 0, totalBytes = 0): void =>
    options.onProgress?.({ phase, loadedBytes, totalBytes });
  const fromStorage = async (loaded: LoadedModel): Promise<{ loaded: LoadedModel; prepared: P }> => {
    report('compile');
    return { loaded, prepared: await options.prepare(loaded) };
  };

  let manifest: ModelManifest;
  try {
    manifest = await fetchManifest(options.manifestUrl, options.fetch, signal);
  } catch (error) {
    // Offline (or the server is down): run the stored model if there is one.
    if (error instanceof NetworkError) {
      const stored = await store.readActive();
      if (stored) {
        return fromStorage({
          manifest: stored.record.manifest,
          files: stored.files,
          catalog: stored.catalog,
          source: 'storage',
          note: `manifest fetch failed (${error.message}); using stored version ${stored.record.modelVersion}`,
        });
      }
      throw new NetworkError(
        `${error.message} No copy of the model is stored in this browser yet (namespace "${store.namespace}"), so it cannot run offline.`,
        error.details,
      );
    }
    throw error;
  }

  const active = await store.activeRecord();
  if (active && active.modelVersion === manifest.modelVersion) {
    const stored = await store.readActive();
    if (stored)
      return fromStorage({ manifest: stored.record.manifest, files: stored.files, catalog: stored.catalog, source: 'storage' });
    // The browser evicted part of it: fall through and download again.
  }

  let staged = false;
  try {
    const files = await downloadModel(
      manifest,
      options.manifestUrl,
      options.fetch,
      ({ loaded, total }) => report('download', loaded, total),
      signal,
    );
    const total = manifest.files.reduce((s, f) => s + f.bytes, 0);
    report('verify', total, total); // sizes and sha256 were checked per file as it arrived
    const catalog = parseCatalog(manifest, files);
    report('store', 0, total);
    await store.stage(manifest, options.manifestUrl, files, catalog, signal);
    staged = true;
    report('store', total, total);
    const loaded: LoadedModel = { manifest, files, catalog, source: 'network' };
    report('compile');
    const prepared = await options.prepare(loaded);
    try {
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
      await store.activate(manifest.modelVersion);
    } catch (error) {
      options.release(prepared);
      throw error;
    }
    staged = false;
    await store.collectGarbage().catch(() => undefined); // best effort: stale versions are only space
    return { loaded, prepared };
  } catch (error) {
    if (staged) await store.deleteVersion(manifest.modelVersion).catch(() => undefined);
    if (error instanceof PocketrecError) throw error;
    throw toPocketrecError(error, `Loading model ${manifest.modelVersion}`);
  }
}
