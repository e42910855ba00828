/**
 * `createRecommender`: the public entry point a host app calls on the main thread.
 *
 * It starts the engine (in a worker by default, or in the page), loads the model (from IndexedDB
 * when current, else download -> verify -> store -> activate), restores the user's history and
 * warms up, reporting progress by phase. Every method rejects only with `PocketrecError`
 * subclasses (src/errors), which keep their class across the worker boundary.
 */
import { AbortError, DisposedError, InvalidArgumentError, toPocketrecError } from '../errors/errors.ts';
import { installErrorTransfer } from '../errors/transfer.ts';
import type {
  BackendPreference,
  CatalogItem,
  EngineApi,
  EngineStatus,
  LoadProgress,
  MemoryReport,
  RecommendRequest,
  RecommendResult,
  RecordEvent,
  RecordResult,
  RecordedEvent,
} from '../engine/protocol.ts';
import { connectWorkerEngine, createDefaultWorker, type WorkerEngine } from './worker-engine.ts';

/** Options of `createRecommender`. Only `modelUrl` is required. */
export interface CreateRecommenderOptions {
  /** URL of the exported `manifest.json` (relative URLs resolve against the page). */
  modelUrl: string | URL;
  /** Backend preference (default `auto`: WebGPU on a real GPU, else wasm; see docs/api.md). */
  backend?: BackendPreference;
  /** When false, an unavailable `backend` throws `BackendUnavailableError` instead of falling back (default true). */
  allowFallback?: boolean;
  /** Storage namespace: one model + history slot; use one per app/model (default `default`). */
  namespace?: string;
  /** IndexedDB database name (default `pocketrec`). */
  databaseName?: string;
  /** A model download that receives nothing for this long fails with `NetworkError` (ms, default 30,000; 0 = never). */
  stallTimeoutMs?: number;
  /**
   * Origins besides the manifest's that model files may come from, e.g. `['https://cdn.example.com']`;
   * `['*']` allows any. Default: none, so a manifest cannot point the engine at another origin (and
   * `..` paths are always rejected, with `ModelFormatError`).
   */
  modelFileOrigins?: string[];
  /**
   * The model's files in memory, by path relative to `manifest.json` (e.g. a model trained in the page,
   * docs/demo.md): stored and activated like a download, with no request; `modelUrl` then only names it.
   */
  modelFiles?: Record<string, ArrayBuffer | Uint8Array>;
  /** Progress by phase: download (bytes), verify, store, compile (warm-up), ready. */
  onProgress?: (progress: LoadProgress) => void;
  /** Aborts loading; the previously stored model (if any) stays active. */
  signal?: AbortSignal;
  /** `worker` (default): the engine runs in a Web Worker; `in-page`: on the main thread (tests, no-worker hosts). */
  engine?: 'worker' | 'in-page';
  /**
   * Creates the engine worker yourself, for bundlers that move a library's files (see
   * docs/embedding.md). The worker must run `pocketrec/worker` (workers/engine.worker.ts).
   */
  createWorker?: () => Worker;
}

/** A loaded recommender. All methods are async and safe to call concurrently (they queue). */
export interface Recommender {
  /** Status as of the end of loading. */
  readonly loaded: EngineStatus;
  /** Records events (raw item ids, outcome names); unknown ids reject with `UnknownItemError` and nothing is recorded. */
  record(events: RecordEvent | RecordEvent[]): Promise<RecordResult>;
  /** Recommends items (see `RecommendRequest`). */
  recommend(request?: RecommendRequest): Promise<RecommendResult>;
  /** The stored history, oldest first. */
  history(): Promise<RecordedEvent[]>;
  /** Deletes the stored history (the model stays). */
  clearHistory(): Promise<void>;
  /** Replaces the stored history (e.g. to remove one event) and rebuilds the session. */
  replaceHistory(events: RecordEvent[]): Promise<RecordResult>;
  /** Backend, adapter, fallback, model version, catalog size, storage used. */
  status(): Promise<EngineStatus>;
  /** The model's catalog (ids, titles, years, genres, popularity, SIDs), from IndexedDB: works offline. */
  catalog(): Promise<CatalogItem[]>;
  /**
   * Downloads a newer model version (default: the same URL) and switches to it; on failure (e.g.
   * `ModelIntegrityError`) the current model keeps serving and stays stored.
   */
  update(options?: {
    modelUrl?: string | URL;
    onProgress?: (progress: LoadProgress) => void;
    signal?: AbortSignal;
  }): Promise<EngineStatus>;
  /** `tf.memory()` inside the engine (for leak checks). */
  memory(): Promise<MemoryReport>;
  /** Deletes this namespace's stored model and history, then disposes. */
  deleteStorage(): Promise<void>;
  /** Frees the model and ends the worker. Further calls reject with `DisposedError`. */
  dispose(): Promise<void>;
}

function resolveUrl(url: string | URL): string {
  const base = typeof location !== 'undefined' ? location.href : undefined;
  return new URL(String(url), base).toString();
}

async function startEngine(options: CreateRecommenderOptions): Promise<{ engine: EngineApi; terminate: () => void }> {
  if (options.engine === 'in-page') {
    const [{ Engine }, { DecoderRuntime }] = await Promise.all([import('../engine/engine.ts'), import('../model/runtime.ts')]);
    const engine = new Engine({ createRuntime: (manifest, files) => DecoderRuntime.fromArtifacts(manifest, files) });
    return { engine, terminate: () => undefined };
  }
  const worker = (options.createWorker ?? createDefaultWorker)();
  const engine: WorkerEngine = connectWorkerEngine(worker);
  return { engine, terminate: () => engine.terminate() };
}

/** Runs `work`, rejecting with `AbortError` as soon as `signal` fires (and calling `onAbort`). */
function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    onAbort();
    return Promise.reject(new AbortError());
  }
  return new Promise<T>((resolve, reject) => {
    const listener = (): void => {
      onAbort();
      reject(new AbortError());
    };
    signal.addEventListener('abort', listener, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', listener);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', listener);
        reject(error);
      },
    );
  });
}

/** Creates a recommender and loads its model; see `CreateRecommenderOptions`. */
export async function createRecommender(options: CreateRecommenderOptions): Promise<Recommender> {
  installErrorTransfer();
  if (!options || !options.modelUrl)
    throw new InvalidArgumentError('createRecommender needs { modelUrl }: the URL of the exported manifest.json.');
  if (options.signal?.aborted) throw new AbortError();
  const modelUrl = resolveUrl(options.modelUrl);
  const { engine, terminate } = await startEngine(options);
  let disposed = false;
  const shutdown = (): void => {
    if (disposed) return;
    disposed = true;
    terminate();
  };

  let loaded: EngineStatus;
  try {
    loaded = await abortable(
      engine.load(
        {
          modelUrl,
          backend: options.backend,
          allowFallback: options.allowFallback,
          namespace: options.namespace,
          databaseName: options.databaseName,
          stallTimeoutMs: options.stallTimeoutMs,
          modelFileOrigins: options.modelFileOrigins,
          ...(options.modelFiles ? { modelFiles: options.modelFiles } : {}),
        },
        options.onProgress,
      ),
      options.signal,
      () => {
        void engine.abort().catch(() => undefined);
        void engine
          .dispose()
          .catch(() => undefined)
          .finally(shutdown);
      },
    );
  } catch (error) {
    if (!options.signal?.aborted) {
      await engine.dispose().catch(() => undefined);
      shutdown();
    }
    throw toPocketrecError(error, 'Loading the recommender');
  }

  const guard = <T>(run: () => Promise<T>): Promise<T> => (disposed ? Promise.reject(new DisposedError()) : run());
  return {
    loaded,
    record: (events) => guard(() => engine.record(Array.isArray(events) ? events : [events])),
    recommend: (request) => guard(() => engine.recommend(request)),
    history: () => guard(() => engine.history()),
    clearHistory: () => guard(() => engine.clearHistory()),
    replaceHistory: (events) => guard(() => engine.replaceHistory(events)),
    status: () => guard(() => engine.status()),
    catalog: () => guard(() => engine.catalog()),
    memory: () => guard(() => engine.memory()),
    update: (update = {}) =>
      guard(() =>
        abortable(
          engine.update(update.modelUrl === undefined ? undefined : resolveUrl(update.modelUrl), update.onProgress),
          update.signal,
          () => {
            void engine.abort().catch(() => undefined);
          },
        ),
      ),
    deleteStorage: () =>
      guard(async () => {
        await engine.deleteStorage();
        shutdown();
      }),
    dispose: async () => {
      if (disposed) return;
      await engine.dispose().catch(() => undefined);
      shutdown();
    },
  };
}
