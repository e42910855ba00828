/**
 * The engine: backend + stored model + the user's session, behind `EngineApi`.
 *
 * The same class runs inside the worker (workers/engine.worker.ts exposes it with comlink) and in
 * the page (tests, hosts without workers). Calls are serialised (one at a time), so recording and
 * recommending never interleave on the session; an update downloads and builds outside that queue
 * and only queues its final switch. Every method rejects only with `PocketrecError`s.
 *
 * This file orchestrates; each concern has one home: backend choice and device loss (backend.ts),
 * model lifecycle (active-model.ts, over src/store/loader.ts), the session and its KV cache
 * (session.ts), retrieval (recommend.ts over retrieval.ts and sid-retrieval.ts). IndexedDB is
 * written only through `ModelStore`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AbortError, DeviceLostError, DisposedError, InvalidArgumentError, toPocketrecError } from '../errors/errors.ts';
import { openDatabase } from '../store/database.ts';
import { fetchManifest, type FetchLike } from '../store/download.ts';
import { memoryFetch } from '../store/memory-fetch.ts';
import { modelLockName, withModelLock } from '../store/lock.ts';
import { ModelStore } from '../store/model-store.ts';
import { DEFAULT_STALL_TIMEOUT_MS, withStallTimeout } from '../store/stall.ts';
import { catalogItems, loadActiveModel, releaseModel, warmUp, type ActiveModel } from './active-model.ts';
import { selectBackend, watchDeviceLoss, type BackendSelection } from './backend.ts';
import type {
  CatalogItem,
  EngineApi,
  EngineLoadOptions,
  EngineStatus,
  LoadProgress,
  MemoryReport,
  RecommendRequest,
  RecommendResult,
  RecordEvent,
  RecordResult,
  RecordedEvent,
} from './protocol.ts';
import { MaskCache, recommend } from './recommend.ts';
import type { RuntimeFactory } from './runtime-port.ts';
import { UserSession } from './session.ts';

/** What the engine is built with (not serialisable: given where the engine is constructed). */
export interface EngineDependencies {
  /** Builds the model runtime from verified artifacts (the worker passes `DecoderRuntime.fromArtifacts`). */
  createRuntime: RuntimeFactory;
  /** `fetch` for model downloads (default: the global one). */
  fetch?: FetchLike;
}

/** The in-page engine; see the module comment. */
export class Engine implements EngineApi {
  private readonly deps: EngineDependencies;
  private queue: Promise<unknown> = Promise.resolve();
  /** Updates, one at a time, outside the call queue. */
  private updates: Promise<unknown> = Promise.resolve();
  private options?: Required<Pick<EngineLoadOptions, 'modelUrl' | 'namespace'>> & EngineLoadOptions;
  private selection?: BackendSelection;
  private store?: ModelStore;
  private model?: ActiveModel;
  private session = new UserSession();
  private readonly masks = new MaskCache();
  /** The database connection was closed under us (site data cleared, another tab upgraded): follow storage on reopen. */
  private storeClosed = false;
  private loadController?: AbortController;
  private deviceLost?: string;
  private disposed = false;

  constructor(deps: EngineDependencies) {
    this.deps = deps;
  }

  /** Runs calls one at a time and converts every failure to a `PocketrecError`. */
  private serial<T>(context: string, fn: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.disposed) throw new DisposedError();
      if (this.deviceLost)
        throw new DeviceLostError(
          `The GPU device was lost (${this.deviceLost}); dispose this recommender and create a new one (it reloads from IndexedDB).`,
        );
      try {
        return await fn();
      } catch (error) {
        throw toPocketrecError(error, context);
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private requireModel(): ActiveModel {
    if (!this.model) throw new InvalidArgumentError('No model is loaded yet; await load() (createRecommender does this) first.');
    return this.model;
  }

  load(options: EngineLoadOptions, onProgress?: (progress: LoadProgress) => void): Promise<EngineStatus> {
    return this.serial('Loading the model', async () => {
      if (this.model) throw new InvalidArgumentError('This engine already has a model; use update() to switch versions.');
      if (typeof options.modelUrl !== 'string' || options.modelUrl === '')
        throw new InvalidArgumentError('modelUrl is required: the URL of the exported manifest.json.');
      if (
        options.modelFileOrigins !== undefined &&
        !(Array.isArray(options.modelFileOrigins) && options.modelFileOrigins.every((o) => typeof o === 'string'))
      )
        throw new InvalidArgumentError(
          "modelFileOrigins must be an array of origins (e.g. ['https://cdn.example.com']) or ['*'].",
        );
      this.options = { ...options, namespace: options.namespace ?? 'default' };
      const selection = (this.selection = await selectBackend(options.backend ?? 'auto', options.allowFallback ?? true));
      watchDeviceLoss(selection, (reason) => {
        if (!this.disposed) this.deviceLost = reason;
      });
      const store = await this.requireStore();
      const controller = (this.loadController = new AbortController());
      try {
        const model = await loadActiveModel({
          manifestUrl: options.modelUrl,
          store,
          fetch: this.fetchImpl(),
          createRuntime: this.deps.createRuntime,
          fileOrigins: this.options!.modelFileOrigins,
          onProgress,
          signal: controller.signal,
        });
        if (controller.signal.aborted) {
          releaseModel(model);
          throw new AbortError();
        }
        this.model = model;
        this.session.restore(model, await store.readHistory());
        await warmUp(model);
      } finally {
        this.loadController = undefined;
      }
      await onProgress?.({ phase: 'ready', loadedBytes: 0, totalBytes: 0 });
      return this.statusNow();
    });
  }

  async abort(): Promise<void> {
    this.loadController?.abort();
  }

  /**
   * Downloads, verifies, stores, builds and warms up the new version outside the call queue, so
   * `recommend` and `record` keep answering on the current model meanwhile; only the final switch
   * (swap the model, rebuild the session) is queued. Updates run one at a time.
   */
  update(modelUrl?: string, onProgress?: (progress: LoadProgress) => void): Promise<EngineStatus> {
    const run = (): Promise<EngineStatus> => this.updateNow(modelUrl, onProgress);
    const result = this.updates.then(run, run);
    this.updates = result.catch(() => undefined);
    return result;
  }

  private async updateNow(modelUrl: string | undefined, onProgress?: (progress: LoadProgress) => void): Promise<EngineStatus> {
    const context = 'Updating the model';
    let next: ActiveModel | undefined;
    let url: string;
    try {
      if (this.disposed) throw new DisposedError();
      const previous = this.requireModel();
      const store = await this.requireStore();
      url = modelUrl ?? this.options!.modelUrl;
      const controller = (this.loadController = new AbortController());
      try {
        const active = await store.activeRecord();
        const manifest = await fetchManifest(url, this.fetchImpl(), controller.signal);
        if (
          manifest.modelVersion === previous.loaded.manifest.modelVersion &&
          active?.manifest.modelVersion === manifest.modelVersion
        ) {
          await onProgress?.({ phase: 'ready', loadedBytes: 0, totalBytes: 0 });
          return await this.serial(context, () => this.statusNow());
        }
        next = await loadActiveModel({
          manifestUrl: url,
          store,
          fetch: this.fetchImpl(),
          createRuntime: this.deps.createRuntime,
          fileOrigins: this.options!.modelFileOrigins,
          onProgress,
          signal: controller.signal,
        });
        await warmUp(next);
      } finally {
        if (this.loadController === controller) this.loadController = undefined;
      }
    } catch (error) {
      if (next) releaseModel(next);
      throw toPocketrecError(error, context);
    }
    const incoming = next;
    let switched = false;
    try {
      return await this.serial(context, async () => {
        // The switch: the new model is stored and active; drop the old runtime and session.
        const previous = this.requireModel();
        this.masks.clear();
        this.session.dispose();
        releaseModel(previous);
        this.model = incoming;
        switched = true;
        this.options = { ...this.options!, modelUrl: url };
        this.session = new UserSession();
        this.session.restore(incoming, await (await this.requireStore()).readHistory());
        await onProgress?.({ phase: 'ready', loadedBytes: 0, totalBytes: 0 });
        return this.statusNow();
      });
    } finally {
      if (!switched) releaseModel(incoming); // disposed (or device lost) before the switch
    }
  }

  /**
   * All or nothing: the session takes the events first, then they are stored in one transaction;
   * if either fails the session is rolled back and nothing is stored.
   */
  record(events: RecordEvent[]): Promise<RecordResult> {
    return this.serial('Recording events', async () => {
      const model = this.requireModel();
      const store = await this.requireStore();
      const session = this.session;
      const { dense, stored } = session.validate(model, events);
      if (dense.length === 0) return { recorded: 0, tokensComputed: 0, path: 'append', sessionLength: session.sessionLength };
      const mark = session.mark();
      let result: RecordResult;
      try {
        result = session.extend(model, dense);
        await store.appendHistory(stored);
      } catch (error) {
        session.rollback(model, mark);
        throw error;
      }
      session.historyLength += stored.length;
      return result;
    });
  }

  /** All or nothing: the new session is built first, then the history replaced in one transaction. */
  replaceHistory(events: RecordEvent[]): Promise<RecordResult> {
    return this.serial('Replacing the history', async () => {
      const model = this.requireModel();
      const store = await this.requireStore();
      const { dense, stored } = this.session.validate(model, events);
      const next = new UserSession();
      let result: RecordResult = { recorded: 0, tokensComputed: 0, path: 'prefill', sessionLength: 0 };
      try {
        if (dense.length > 0) result = next.extend(model, dense);
        await store.replaceHistory(stored);
      } catch (error) {
        next.dispose();
        throw error;
      }
      next.historyLength = stored.length;
      this.session.dispose();
      this.session = next;
      return result;
    });
  }

  recommend(request: RecommendRequest = {}): Promise<RecommendResult> {
    return this.serial('Recommending', async () => {
      // After the connection was closed, follow what is stored if we can; else serve from memory.
      if (this.storeClosed) await this.requireStore().catch(() => undefined);
      return recommend(this.requireModel(), this.session, this.masks, request);
    });
  }

  history(): Promise<RecordedEvent[]> {
    return this.serial('Reading the history', async () => (await this.requireStore()).readHistory());
  }

  clearHistory(): Promise<void> {
    return this.serial('Clearing the history', async () => {
      await (await this.requireStore()).clearHistory();
      this.session.reset();
    });
  }

  status(): Promise<EngineStatus> {
    return this.serial('Reading the status', async () => this.statusNow());
  }

  catalog(): Promise<CatalogItem[]> {
    return this.serial('Reading the catalog', async () => catalogItems(this.requireModel()));
  }

  async memory(): Promise<MemoryReport> {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes, numDataBuffers: m.numDataBuffers };
  }

  deleteStorage(): Promise<void> {
    return this.serial('Deleting stored data', async () => {
      const store = await this.requireStore();
      // Under the namespace's lock: waits for an install in another tab instead of deleting its copy mid-write.
      await withModelLock(modelLockName(store.db.name, store.namespace), undefined, () => store.deleteNamespace());
      this.disposeNow();
    });
  }

  dispose(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    const done = this.queue.then(() => this.disposeNow());
    this.queue = done;
    return done;
  }

  // --- internals -------------------------------------------------------------------------------

  /** `fetch` for model files, with the stall timeout (`stallTimeoutMs`, default 30 s). */
  private fetchImpl(): FetchLike {
    const base: FetchLike = this.deps.fetch ?? ((input, init) => fetch(input, init));
    const stallMs = this.options?.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    const network = stallMs > 0 && Number.isFinite(stallMs) ? withStallTimeout(base, stallMs) : base;
    // A model handed over in memory (modelFiles) is served from there; anything else from the network.
    const files = this.options?.modelFiles;
    return files ? memoryFetch(this.options!.modelUrl, files, network) : network;
  }

  /**
   * The namespace's store; (re)opens the database when there is no open connection. After the
   * connection was closed under us (the user cleared site data, another tab upgraded the schema, the
   * browser dropped it) the session is rebuilt from what storage now holds, so it never keeps using
   * events that were deleted.
   */
  private async requireStore(): Promise<ModelStore> {
    if (this.store) return this.store;
    const db = await openDatabase({
      name: this.options?.databaseName,
      onClosed: () => {
        this.store = undefined;
        this.storeClosed = true;
      },
    });
    const store = (this.store = new ModelStore(db, this.options!.namespace));
    if (this.storeClosed && this.model) {
      this.session.restore(this.model, await store.readHistory());
      this.storeClosed = false;
    }
    return store;
  }

  private async statusNow(): Promise<EngineStatus> {
    const model = this.requireModel();
    const selection = this.selection!;
    const store = await this.requireStore();
    let originUsage: number | undefined;
    let originQuota: number | undefined;
    try {
      const estimate = await navigator.storage?.estimate?.();
      originUsage = estimate?.usage;
      originQuota = estimate?.quota;
    } catch {
      // estimate() is missing in some contexts; the figure is informative only.
    }
    return {
      backend: selection.backend,
      requestedBackend: selection.requested,
      ...(selection.adapter ? { adapter: selection.adapter } : {}),
      ...(selection.fallback ? { fallback: selection.fallback } : {}),
      namespace: store.namespace,
      modelVersion: model.loaded.manifest.modelVersion,
      dataset: { ...model.loaded.manifest.dataset },
      modelSource: model.loaded.source,
      itemCount: model.runtime.itemCount,
      embeddingDim: model.runtime.embeddingDim,
      outcomes: [...model.runtime.outcomes],
      horizons: [...model.runtime.horizons],
      sidAvailable: model.runtime.sidGenerator !== undefined,
      rankingAvailable: model.runtime.hasRankingHead === true,
      historyLength: this.session.historyLength,
      historySkipped: this.session.historySkipped,
      storage: {
        modelBytes: await store.storedBytes(),
        ...(originUsage !== undefined ? { originUsage } : {}),
        ...(originQuota !== undefined ? { originQuota } : {}),
      },
    };
  }

  private disposeNow(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.loadController?.abort();
    this.masks.clear();
    this.session.dispose();
    if (this.model) releaseModel(this.model);
    this.model = undefined;
    this.store?.db.close();
    this.store = undefined;
  }
}
