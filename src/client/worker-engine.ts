/**
 * The main-thread side of the worker engine: a comlink proxy with the same `EngineApi` as the
 * in-page engine, plus crash detection (comlink alone leaves calls hanging forever when a worker
 * dies) and callback proxying for progress reports.
 */
import { proxy, releaseProxy, wrap, type Remote } from 'comlink';
import { WorkerCrashedError } from '../errors/errors.ts';
import { installErrorTransfer } from '../errors/transfer.ts';
import type { EngineApi, EngineLoadOptions, LoadProgress, RecommendRequest, RecordEvent } from '../engine/protocol.ts';

/** The default worker, created the way Vite (and most bundlers) recognise and bundle. */
export function createDefaultWorker(): Worker {
  return new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'pocketrec-engine' });
}

/** An `EngineApi` backed by a worker; `terminate()` ends the worker. */
export interface WorkerEngine extends EngineApi {
  terminate(): void;
}

/** Connects to an engine worker (created by `createWorker`, or the default one). */
export function connectWorkerEngine(worker: Worker): WorkerEngine {
  installErrorTransfer();
  const remote: Remote<EngineApi> = wrap<EngineApi>(worker);
  let crash: WorkerCrashedError | undefined;
  let rejectCrash: (error: WorkerCrashedError) => void = () => undefined;
  const crashed = new Promise<never>((_, reject) => {
    rejectCrash = reject;
  });
  crashed.catch(() => undefined); // observed per call below
  const onError = (event: ErrorEvent | MessageEvent): void => {
    const isErrorEvent = typeof ErrorEvent !== 'undefined' && event instanceof ErrorEvent;
    const detail =
      isErrorEvent && event instanceof ErrorEvent
        ? `${event.message || 'uncaught error or failed module load'}${event.filename ? ` at ${event.filename}:${event.lineno}` : ''}`
        : 'a message could not be deserialised';
    crash = new WorkerCrashedError(
      `The pocketrec worker stopped (${detail}). Create a new recommender; if it happens at start-up, check that your bundler emits the worker (see createWorker in docs/embedding.md).`,
      { detail },
    );
    if (isErrorEvent) event.preventDefault();
    rejectCrash(crash);
  };
  worker.addEventListener('error', onError);
  worker.addEventListener('messageerror', onError);

  /** Every call races the crash promise so a dead worker rejects instead of hanging. */
  const call = <T>(run: () => Promise<T>): Promise<T> => {
    if (crash) return Promise.reject(crash);
    return Promise.race([run(), crashed]);
  };
  /**
   * Calls with a progress callback proxied across. Its message port is closed once the worker drops
   * the proxy (comlink 4.4 releases remote proxies through a FinalizationRegistry), i.e. after GC.
   */
  const withProgress = async <T>(
    onProgress: ((p: LoadProgress) => void) | undefined,
    run: (cb?: (p: LoadProgress) => void) => Promise<T>,
  ): Promise<T> => {
    const cb = onProgress ? proxy(onProgress) : undefined;
    return call(() => run(cb));
  };

  return {
    load: (options: EngineLoadOptions, onProgress?: (p: LoadProgress) => void) =>
      withProgress(onProgress, (cb) => remote.load(options, cb)),
    update: (modelUrl?: string, onProgress?: (p: LoadProgress) => void) =>
      withProgress(onProgress, (cb) => remote.update(modelUrl, cb)),
    abort: () => call(() => remote.abort()),
    record: (events: RecordEvent[]) => call(() => remote.record(events)),
    recommend: (request?: RecommendRequest) => call(() => remote.recommend(request)),
    history: () => call(() => remote.history()),
    clearHistory: () => call(() => remote.clearHistory()),
    replaceHistory: (events: RecordEvent[]) => call(() => remote.replaceHistory(events)),
    status: () => call(() => remote.status()),
    catalog: () => call(() => remote.catalog()),
    memory: () => call(() => remote.memory()),
    deleteStorage: () => call(() => remote.deleteStorage()),
    dispose: () => call(() => remote.dispose()),
    terminate(): void {
      worker.removeEventListener('error', onError);
      worker.removeEventListener('messageerror', onError);
      remote[releaseProxy]();
      worker.terminate();
    },
  };
}
