/**
 * Getting a model ready to run: from IndexedDB when the active version is current (or the network is
 * gone), otherwise download -> verify -> stage -> activate -> collect garbage.
 *
 * Guarantees: the active pointer moves only after the new version is completely stored and verified;
 * any failure (bad hash, cut-off download, quota, abort) leaves the previous version active and the
 * history untouched; a model the browser evicted is downloaded again. Across tabs: download ->
 * stage -> activate of a namespace runs under its lock (lock.ts), re-checks the active copy first
 * (another tab may have stored this version meanwhile: its copy is served), and a failing call only
 * ever deletes the copy it wrote itself.
 */
import { NetworkError, PocketrecError, toPocketrecError } from '../errors/errors.ts';
import { decodeCatalog } from '../model/catalog-file.ts';
import type { ArtifactRole, ModelManifest } from '../model/manifest.ts';
import { downloadModel, fetchManifest, type FetchLike } from './download.ts';
import { checkFileLocations } from './file-origins.ts';
import { crossTabLocks, modelLockName, withModelLock } from './lock.ts';
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
  /** Origins besides the manifest's that model files may come from (`'*'`: any); default none. */
  fileOrigins?: readonly string[];
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
          note: `manifest fetch failed (${error.message}); using stored version ${stored.record.manifest.modelVersion}`,
        });
      }
      throw new NetworkError(
        `${error.message} No copy of the model is stored in this browser yet (namespace "${store.namespace}"), so it cannot run offline.`,
        error.details,
      );
    }
    throw error;
  }

  /** The stored copy when the active one is `manifest`'s version and complete (not evicted). */
  const storedCopy = async (): Promise<{ loaded: LoadedModel; prepared: P } | undefined> => {
    const active = await store.activeRecord();
    if (active?.manifest.modelVersion !== manifest.modelVersion) return undefined;
    const stored = await store.readActive();
    if (!stored) return undefined; // the browser evicted part of it: download again
    return fromStorage({ manifest: stored.record.manifest, files: stored.files, catalog: stored.catalog, source: 'storage' });
  };
  const current = await storedCopy();
  if (current) return current;
  checkFileLocations(manifest, options.manifestUrl, options.fileOrigins);

  // One writer per namespace across tabs: download -> stage -> activate under the namespace's lock.
  return withModelLock(modelLockName(store.db.name, store.namespace), signal, async () => {
    // Another tab may have stored this version while we waited for the lock: serve its copy.
    const storedMeanwhile = await storedCopy();
    if (storedMeanwhile) return storedMeanwhile;
    let stagedKey: string | undefined;
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
      // Re-check right before staging (a tab without the lock may have activated it meanwhile).
      const storedBeforeStaging = await storedCopy();
      if (storedBeforeStaging) return storedBeforeStaging;
      report('store', 0, total);
      stagedKey = await store.stage(manifest, options.manifestUrl, files, catalog, signal);
      report('store', total, total);
      const loaded: LoadedModel = { manifest, files, catalog, source: 'network' };
      report('compile');
      const prepared = await options.prepare(loaded);
      try {
        if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
        await store.activate(stagedKey);
      } catch (error) {
        options.release(prepared);
        throw error;
      }
      stagedKey = undefined;
      // Best effort (stale copies are only space); incomplete leftovers only while other tabs are locked out.
      await store.collectGarbage(crossTabLocks()).catch(() => undefined);
      return { loaded, prepared };
    } catch (error) {
      if (stagedKey) await store.deleteVersion(stagedKey).catch(() => undefined); // our own copy only
      if (error instanceof PocketrecError) throw error;
      throw toPocketrecError(error, `Loading model ${manifest.modelVersion}`);
    }
  });
}
