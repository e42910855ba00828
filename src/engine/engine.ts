/**
 * The engine: backend + stored model + the user's session, behind `EngineApi`.
 *
 * The same class runs inside the worker (workers/engine.worker.ts exposes it with comlink) and in
 * the page (tests, hosts without workers). Calls are serialised (one at a time), so recording and
 * recommending never interleave on the session. Every method rejects only with `PocketrecError`s.
 *
 * Session: the stored history is prefilled once at load; `record` appends new events through the
 * decoder's KV cache (`RecordResult.tokensComputed` = the new events only). Retrieval: all
 * outcome/horizon queries are scored in one batched pass against the resident item table.
 */
import * as tf from '@tensorflow/tfjs';
import {
  AbortError,
  DeviceLostError,
  DisposedError,
  InvalidArgumentError,
  ModelFormatError,
  PocketrecError,
  UnknownItemError,
  toPocketrecError,
} from '../errors/errors.ts';
import type { SidArtifacts } from '../sid/sid-table.ts';
import { openDatabase } from '../store/database.ts';
import { fetchManifest, type FetchLike } from '../store/download.ts';
import { loadModel, type LoadedModel } from '../store/loader.ts';
import { ModelStore } from '../store/model-store.ts';
import type { PocketrecDatabase } from '../store/schema.ts';
import { selectBackend, type BackendSelection } from './backend.ts';
import type {
  CatalogItem,
  EngineApi,
  EngineLoadOptions,
  EngineStatus,
  LoadProgress,
  MemoryReport,
  RecommendRequest,
  RecommendResult,
  Recommendation,
  RecordEvent,
  RecordResult,
  RecordedEvent,
} from './protocol.ts';
import { catalogContent } from './catalog.ts';
import { buildMask, closestHistory, mergeCandidates, planQueries, scoreTopK } from './retrieval.ts';
import type { RecommenderRuntime, RuntimeEvent, RuntimeFactory, RuntimeSession } from './runtime-port.ts';
import { readSidArtifacts, sidBeamSearch } from './sid-retrieval.ts';

/** What the engine is built with (not serialisable: given where the engine is constructed). */
export interface EngineDependencies {
  /** Builds the model runtime from verified artifacts (the worker passes `DecoderRuntime.fromArtifacts`). */
  createRuntime: RuntimeFactory;
  /** `fetch` for model downloads (default: the global one). */
  fetch?: FetchLike;
}

/** A loaded model with everything derived from it. */
interface ActiveModel {
  loaded: LoadedModel;
  runtime: RecommenderRuntime;
  itemIndex: Map<string, number>;
  sid?: SidArtifacts;
}

const MAX_LISTED_IDS = 20;

/** The in-page engine; see the module comment. */
export class Engine implements EngineApi {
  private readonly deps: EngineDependencies;
  private queue: Promise<unknown> = Promise.resolve();
  private options?: Required<Pick<EngineLoadOptions, 'modelUrl' | 'namespace'>> & EngineLoadOptions;
  private selection?: BackendSelection;
  private db?: PocketrecDatabase;
  private store?: ModelStore;
  private model?: ActiveModel;
  private session?: RuntimeSession;
  /** The history as the session holds it (dense), in order. */
  private sessionEvents: RuntimeEvent[] = [];
  private historyLength = 0;
  private historySkipped = 0;
  private mask?: { key: string; tensor: tf.Tensor1D };
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
      this.options = { ...options, namespace: options.namespace ?? 'default' };
      this.selection = await selectBackend(options.backend ?? 'auto', options.allowFallback ?? true);
      this.watchDevice();
      this.db = await openDatabase({
        name: options.databaseName,
        onClosed: () => {
          this.db = undefined;
          this.store = undefined;
        },
      });
      this.store = new ModelStore(this.db, this.options.namespace);
      const controller = (this.loadController = new AbortController());
      try {
        const { prepared: model } = await loadModel({
          ...this.loadSteps(),
          manifestUrl: options.modelUrl,
          store: this.store,
          onProgress,
          signal: controller.signal,
        });
        if (controller.signal.aborted) {
          model.runtime.dispose();
          throw new AbortError();
        }
        this.model = model;
        await this.restoreSession();
        await this.warmUp();
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

  update(modelUrl?: string, onProgress?: (progress: LoadProgress) => void): Promise<EngineStatus> {
    return this.serial('Updating the model', async () => {
      const previous = this.requireModel();
      const store = await this.requireStore();
      const url = modelUrl ?? this.options!.modelUrl;
      const controller = (this.loadController = new AbortController());
      let next: ActiveModel;
      try {
        const active = await store.activeRecord();
        const manifest = await fetchManifest(url, this.fetchImpl(), controller.signal);
        if (manifest.modelVersion === previous.loaded.manifest.modelVersion && active?.modelVersion === manifest.modelVersion) {
          await onProgress?.({ phase: 'ready', loadedBytes: 0, totalBytes: 0 });
          return this.statusNow();
        }
        ({ prepared: next } = await loadModel({
          ...this.loadSteps(),
          manifestUrl: url,
          store,
          onProgress,
          signal: controller.signal,
        }));
      } finally {
        this.loadController = undefined;
      }
      // Switch: the new model is stored and active; drop the old runtime and session.
      this.disposeSession();
      previous.runtime.dispose();
      this.model = next;
      this.options = { ...this.options!, modelUrl: url };
      await this.restoreSession();
      await this.warmUp();
      await onProgress?.({ phase: 'ready', loadedBytes: 0, totalBytes: 0 });
      return this.statusNow();
    });
  }

  record(events: RecordEvent[]): Promise<RecordResult> {
    return this.serial('Recording events', async () => {
      const model = this.requireModel();
      const store = await this.requireStore();
      const { dense, stored } = this.validateEvents(model, events);
      if (dense.length === 0) return { recorded: 0, tokensComputed: 0, path: 'append', sessionLength: this.session?.length ?? 0 };
      await store.appendHistory(stored);
      this.historyLength += stored.length;
      return this.extendSession(model, dense);
    });
  }

  replaceHistory(events: RecordEvent[]): Promise<RecordResult> {
    return this.serial('Replacing the history', async () => {
      const model = this.requireModel();
      const store = await this.requireStore();
      const { dense, stored } = this.validateEvents(model, events);
      await store.replaceHistory(stored);
      this.historyLength = stored.length;
      this.historySkipped = 0;
      this.disposeSession();
      this.sessionEvents = [];
      if (dense.length === 0) return { recorded: 0, tokensComputed: 0, path: 'prefill', sessionLength: 0 };
      return this.extendSession(model, dense);
    });
  }

  recommend(request: RecommendRequest = {}): Promise<RecommendResult> {
    return this.serial('Recommending', async () => this.recommendNow(request));
  }

  history(): Promise<RecordedEvent[]> {
    return this.serial('Reading the history', async () => (await this.requireStore()).readHistory());
  }

  clearHistory(): Promise<void> {
    return this.serial('Clearing the history', async () => {
      await (await this.requireStore()).clearHistory();
      this.disposeSession();
      this.sessionEvents = [];
      this.historyLength = 0;
      this.historySkipped = 0;
    });
  }

  status(): Promise<EngineStatus> {
    return this.serial('Reading the status', async () => this.statusNow());
  }

  catalog(): Promise<CatalogItem[]> {
    return this.serial('Reading the catalog', async () => {
      const model = this.requireModel();
      const content = catalogContent(model.loaded.files.get('catalog'), model.runtime.itemCount);
      const sid = model.sid?.table;
      return model.loaded.catalog.itemIds.map((itemId, index) => {
        const row = content?.[index];
        const item: CatalogItem = { itemId, index };
        const title = row?.title ?? model.loaded.catalog.titles?.[index] ?? undefined;
        if (title !== undefined) item.title = title;
        if (row?.year !== undefined) item.year = row.year;
        if (row?.genres) item.genres = row.genres;
        if (row?.popularity !== undefined) item.popularity = row.popularity;
        if (sid) item.sid = Array.from(sid.codes.subarray(index * sid.sidLength, (index + 1) * sid.sidLength));
        return item;
      });
    });
  }

  async memory(): Promise<MemoryReport> {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes, numDataBuffers: m.numDataBuffers };
  }

  deleteStorage(): Promise<void> {
    return this.serial('Deleting stored data', async () => {
      const store = await this.requireStore();
      await store.clearHistory();
      const records = await store.db.getAllFromIndex('manifests', 'by-namespace', store.namespace);
      await store.db.delete('active', store.namespace);
      for (const record of records) await store.deleteVersion(record.modelVersion);
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

  /** The parts of `loadModel`'s options that build and release a runtime. */
  private loadSteps() {
    return {
      fetch: this.fetchImpl(),
      prepare: (loaded: LoadedModel) => this.buildModel(loaded),
      release: (model: ActiveModel) => model.runtime.dispose(),
    };
  }

  private fetchImpl(): FetchLike {
    return this.deps.fetch ?? ((input, init) => fetch(input, init));
  }

  private async requireStore(): Promise<ModelStore> {
    if (this.store) return this.store;
    // The connection was closed (another tab upgraded, or the browser dropped it): reopen.
    this.db = await openDatabase({ name: this.options?.databaseName, onClosed: () => (this.store = undefined) });
    this.store = new ModelStore(this.db, this.options!.namespace);
    return this.store;
  }

  private watchDevice(): void {
    if (this.selection?.backend !== 'webgpu') return;
    const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
    device?.lost.then((info) => {
      if (!this.disposed) this.deviceLost = info.message || info.reason || 'unknown reason';
    });
  }

  private async buildModel(loaded: LoadedModel): Promise<ActiveModel> {
    let runtime: RecommenderRuntime;
    try {
      runtime = await this.deps.createRuntime(loaded.manifest, loaded.files);
    } catch (error) {
      if (error instanceof PocketrecError) throw error;
      throw new ModelFormatError(
        `Model ${loaded.manifest.modelVersion} could not be built from its files (${error instanceof Error ? error.message : String(error)}). Re-export it with a pocketrec version that matches this runtime.`,
        { modelVersion: loaded.manifest.modelVersion },
        { cause: error },
      );
    }
    if (loaded.catalog.itemIds.length !== runtime.itemCount) {
      runtime.dispose();
      throw new ModelFormatError(
        `The catalog lists ${loaded.catalog.itemIds.length} items but the model has ${runtime.itemCount}; re-export the model.`,
      );
    }
    const itemIndex = new Map<string, number>();
    loaded.catalog.itemIds.forEach((id, i) => itemIndex.set(id, i));
    let sid: SidArtifacts | undefined;
    try {
      sid = readSidArtifacts(loaded.files, runtime.itemCount);
    } catch (error) {
      runtime.dispose();
      throw error;
    }
    return { loaded, runtime, itemIndex, sid };
  }

  /** Rebuilds the session from the stored history (items the model does not know are skipped). */
  private async restoreSession(): Promise<void> {
    const model = this.requireModel();
    const history = await (await this.requireStore()).readHistory();
    this.historyLength = history.length;
    const dense: RuntimeEvent[] = [];
    for (const e of history) {
      const item = model.itemIndex.get(e.itemId);
      const outcome = model.runtime.outcomes.indexOf(e.outcome);
      if (item === undefined || outcome < 0) continue;
      dense.push({ item, outcome, time: e.time });
    }
    this.historySkipped = history.length - dense.length;
    this.disposeSession();
    this.sessionEvents = dense;
    if (dense.length > 0) this.session = model.runtime.prefill(dense);
  }

  private extendSession(model: ActiveModel, dense: RuntimeEvent[]): RecordResult {
    this.sessionEvents.push(...dense);
    this.invalidateMask();
    if (this.session) {
      const tokensComputed = model.runtime.append(this.session, dense);
      return { recorded: dense.length, tokensComputed, path: 'append', sessionLength: this.session.length };
    }
    this.session = model.runtime.prefill(this.sessionEvents);
    return {
      recorded: dense.length,
      tokensComputed: this.sessionEvents.length,
      path: 'prefill',
      sessionLength: this.session.length,
    };
  }

  /** Checks every event before anything is stored: unknown ids or outcomes reject the whole call. */
  private validateEvents(model: ActiveModel, events: RecordEvent[]): { dense: RuntimeEvent[]; stored: RecordedEvent[] } {
    if (!Array.isArray(events)) throw new InvalidArgumentError('record() takes an array of { itemId, outcome, time? } events.');
    const unknown: string[] = [];
    const dense: RuntimeEvent[] = [];
    const stored: RecordedEvent[] = [];
    const now = Date.now() / 1000;
    for (const event of events) {
      const itemId = String(event?.itemId);
      const item = model.itemIndex.get(itemId);
      const outcome = model.runtime.outcomes.indexOf(event?.outcome);
      if (outcome < 0) {
        throw new InvalidArgumentError(
          `Unknown outcome "${String(event?.outcome)}" for item ${itemId}; this model's outcomes are ${model.runtime.outcomes.join(', ')}. Nothing was recorded.`,
          {
            outcome: String(event?.outcome),
            outcomes: model.runtime.outcomes,
          },
        );
      }
      const time = event.time === undefined ? now : Number(event.time);
      if (event.time !== undefined && !Number.isFinite(time))
        throw new InvalidArgumentError(
          `Event time for item ${itemId} must be unix seconds, got ${String(event.time)}. Nothing was recorded.`,
        );
      if (item === undefined) {
        unknown.push(itemId);
        continue;
      }
      dense.push({ item, outcome, time });
      stored.push({ itemId, outcome: event.outcome, time });
    }
    if (unknown.length > 0) throw this.unknownItems(model, unknown, 'Nothing was recorded');
    return { dense, stored };
  }

  private unknownItems(model: ActiveModel, ids: string[], consequence: string): UnknownItemError {
    const distinct = [...new Set(ids)];
    return new UnknownItemError(
      `${distinct.length} item id(s) are not in model ${model.loaded.manifest.modelVersion}'s catalog: ${distinct.slice(0, MAX_LISTED_IDS).join(', ')}${distinct.length > MAX_LISTED_IDS ? ', …' : ''}. ${consequence}. Use the catalog's raw ids; items added after the model was trained need a new model export.`,
      { itemIds: distinct.slice(0, MAX_LISTED_IDS), unknownCount: distinct.length },
    );
  }

  private invalidateMask(): void {
    this.mask?.tensor.dispose();
    this.mask = undefined;
  }

  /** The additive exclusion mask for a request, cached while history and filter stay the same. */
  private maskFor(model: ActiveModel, request: RecommendRequest): tf.Tensor1D | undefined {
    const excludeSeen = request.excludeSeen ?? true;
    const toRows = (ids: string[] | undefined, what: string): number[] | undefined => {
      if (ids === undefined) return undefined;
      if (!Array.isArray(ids)) throw new InvalidArgumentError(`filter.${what} must be an array of item ids.`);
      const unknown = ids.filter((id) => !model.itemIndex.has(String(id)));
      if (unknown.length > 0) throw this.unknownItems(model, unknown.map(String), `filter.${what} was rejected`);
      return ids.map((id) => model.itemIndex.get(String(id))!);
    };
    const allow = toRows(request.filter?.allow, 'allow');
    const deny = toRows(request.filter?.deny, 'deny');
    if (!excludeSeen && !allow && !deny) return undefined;
    const key = JSON.stringify([excludeSeen, allow ?? null, deny ?? null, this.sessionEvents.length]);
    if (this.mask?.key === key) return this.mask.tensor;
    this.invalidateMask();
    const seen = excludeSeen ? this.sessionEvents.map((e) => e.item) : [];
    const tensor = tf.tensor1d(buildMask(model.runtime.itemCount, seen, allow, deny));
    this.mask = { key, tensor };
    return tensor;
  }

  private async recommendNow(request: RecommendRequest): Promise<RecommendResult> {
    const started = performance.now();
    const model = this.requireModel();
    const runtime = model.runtime;
    const k = request.k ?? 10;
    const mode = request.mode ?? 'embedding';
    if (mode !== 'embedding' && mode !== 'sid')
      throw new InvalidArgumentError(`mode must be 'embedding' or 'sid', got ${String(mode)}.`);
    if (mode === 'sid' && !model.sid)
      throw new InvalidArgumentError(
        `Model ${model.loaded.manifest.modelVersion} ships no SID tables; use mode 'embedding' or export the model with SIDs.`,
      );
    if (k > runtime.itemCount) throw new InvalidArgumentError(`k (${k}) exceeds the catalog size (${runtime.itemCount}).`, { k });
    const plan = planQueries(runtime.outcomes, runtime.horizons, k, request.outcomeBudget, request.horizon);
    const mask = this.maskFor(model, request);
    if (!this.session) {
      return { items: [], millis: performance.now() - started, queries: 0, mode, kernel: 'none', coldStart: true };
    }
    const queries = runtime.queries(
      this.session,
      plan.map(({ outcome, horizon }) => ({ outcome, horizon })),
    ); // [Q, d]
    let ranked: { indices: ArrayLike<number>; scores: ArrayLike<number>; width: number };
    let kernel: RecommendResult['kernel'] = 'sid-beam';
    try {
      if (mode === 'embedding') {
        const width = Math.min(k, runtime.itemCount);
        const top = await scoreTopK(queries, runtime.itemEmbeddings, mask, width);
        ranked = { ...top, width };
        kernel = top.path;
      } else {
        const all = tf.tidy(() => {
          const scores = tf.matMul(queries, runtime.itemEmbeddings, false, true); // [Q, N]
          return mask ? tf.add(scores, mask) : scores;
        });
        const scores = (await all.data()) as Float32Array;
        all.dispose();
        const width = Math.max(k, request.beamWidth ?? 10);
        ranked = { ...sidBeamSearch(model.sid!.trie, scores, runtime.itemCount, plan.length, width), width };
      }
    } finally {
      queries.dispose();
    }
    const merged = mergeCandidates(plan, ranked.indices, ranked.scores, ranked.width, k);
    const ids = model.loaded.catalog.itemIds;
    const titles = model.loaded.catalog.titles;
    const name = (q: number) => ({ outcome: runtime.outcomes[plan[q]!.outcome]!, horizon: runtime.horizons[plan[q]!.horizon]! });
    const items: Recommendation[] = merged.map((m) => {
      const title = titles?.[m.index];
      return {
        itemId: ids[m.index]!,
        index: m.index,
        ...(title ? { title } : {}),
        score: m.score,
        ...name(m.query),
        sources: m.sources.map((s) => ({ ...name(s.query), score: s.score })),
      };
    });
    const explain = request.explain ?? 0;
    if (explain > 0 && items.length > 0) {
      const historyRows = [...new Set(this.sessionEvents.map((e) => e.item))];
      const nearest = await closestHistory(
        runtime.itemEmbeddings,
        items.map((i) => i.index),
        historyRows,
        explain,
      );
      items.forEach((item, r) => {
        item.closestHistory = nearest[r]!.map((n) => ({ itemId: ids[historyRows[n.position]!]!, similarity: n.similarity }));
      });
    }
    return { items, millis: performance.now() - started, queries: plan.length, mode, kernel, coldStart: false };
  }

  /**
   * Compiles the shaders recommend uses before `ready` (TF.js keeps no shader cache across page
   * loads): prefill, append, the head for the default request's queries, and the fused score + top-k
   * with an exclusion mask at the default k. Other k / query counts compile on first use.
   */
  private async warmUp(): Promise<void> {
    const model = this.requireModel();
    const runtime = model.runtime;
    const probe: RuntimeEvent[] = [
      { item: 0, outcome: runtime.outcomes.length - 1, time: 1_700_000_000 },
      { item: Math.min(1, runtime.itemCount - 1), outcome: 0, time: 1_700_000_060 },
    ];
    const k = Math.min(10, runtime.itemCount);
    const plan = planQueries(runtime.outcomes, runtime.horizons, k, undefined, undefined);
    const session = runtime.prefill(probe.slice(0, 1));
    const mask = tf.zeros([runtime.itemCount]) as tf.Tensor1D;
    try {
      runtime.append(session, probe.slice(1));
      const queries = runtime.queries(
        session,
        plan.map(({ outcome, horizon }) => ({ outcome, horizon })),
      );
      try {
        await scoreTopK(queries, runtime.itemEmbeddings, mask, k);
      } finally {
        queries.dispose();
      }
    } finally {
      mask.dispose();
      session.dispose();
    }
  }

  private disposeSession(): void {
    this.session?.dispose();
    this.session = undefined;
    this.invalidateMask();
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
      sidAvailable: model.sid !== undefined,
      historyLength: this.historyLength,
      historySkipped: this.historySkipped,
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
    this.disposeSession();
    this.model?.runtime.dispose();
    this.model = undefined;
    this.db?.close();
    this.db = undefined;
    this.store = undefined;
  }
}

/** True when `error` is one of ours (helper for hosts that also catch other errors). */
export function isPocketrecError(error: unknown): error is PocketrecError {
  return error instanceof PocketrecError;
}
