/**
 * Engine test page: creates recommenders through the public API (src/client) and exposes
 * `window.engineTest` for tests/browser/engine*.spec.ts. Errors come back as plain descriptions that
 * record whether the thrown value was still an instance of the right class after crossing from the
 * worker, so the specs can assert that typed errors survive.
 */
import {
  createRecommender,
  PocketrecError,
  type CreateRecommenderOptions,
  type LoadProgress,
  type Recommender,
} from '../../src/client/index.ts';
import * as errors from '../../src/errors/errors.ts';

/** A thrown error, described for page.evaluate. */
export interface ErrorReport {
  /** Name of the class the value is an instance of (checked with instanceof). */
  className: string;
  isPocketrecError: boolean;
  code?: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Result of a call: its value or the error. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ErrorReport };

const ERROR_CLASSES = Object.entries(errors).filter(
  ([, value]) => typeof value === 'function' && (value as { prototype?: unknown }).prototype instanceof Error,
) as [string, new (...args: never[]) => Error][];

function describeError(error: unknown): ErrorReport {
  const match = ERROR_CLASSES.filter(([, cls]) => error instanceof cls).map(([name]) => name);
  const className =
    match.find((n) => n !== 'PocketrecError') ?? match[0] ?? (error instanceof Error ? `Error(${error.name})` : typeof error);
  return {
    className,
    isPocketrecError: error instanceof PocketrecError,
    code: error instanceof PocketrecError ? error.code : undefined,
    message: error instanceof Error ? error.message : String(error),
    details: error instanceof PocketrecError ? { ...error.details } : undefined,
  };
}

async function settle<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: describeError(error) };
  }
}

type WorkerKind = 'default' | 'no-webgpu';
/** Recommender methods a spec may call. */
type Method = Exclude<keyof Recommender, 'loaded'>;
const recommenders = new Map<string, Recommender>();
const progress = new Map<string, LoadProgress[]>();

/** Options a spec can pass (functions cannot cross page.evaluate). */
export interface CreateOptions extends Omit<CreateRecommenderOptions, 'onProgress' | 'signal' | 'createWorker' | 'modelUrl'> {
  modelUrl: string;
  /** `no-webgpu`: a worker whose navigator.gpu is hidden (WebGPU unavailable). */
  worker?: WorkerKind;
  /** Abort the load after this many ms. */
  abortAfterMs?: number;
  /**
   * In-page engines only: on the first write of a model chunk, `abort` the load, or `hang` the page
   * (a busy loop, after logging "pocketrec-test: chunk write") so the spec can close it mid-write.
   */
  faultOnFirstChunkWrite?: 'abort' | 'hang';
}

function workerFor(kind: WorkerKind | undefined): (() => Worker) | undefined {
  if (kind === 'no-webgpu') return () => new Worker(new URL('./engine-nogpu.worker.ts', import.meta.url), { type: 'module' });
  return undefined;
}

let realPut: IDBObjectStore['put'] | undefined;

const engineTest = {
  async create(name: string, options: CreateOptions) {
    const log: LoadProgress[] = [];
    progress.set(name, log);
    const controller = new AbortController();
    if (options.abortAfterMs !== undefined) setTimeout(() => controller.abort(), options.abortAfterMs);
    const fault = options.faultOnFirstChunkWrite;
    if (fault) {
      const original = IDBObjectStore.prototype.put;
      let fired = false;
      IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
        const request = original.apply(this, args);
        if (this.name === 'chunks' && !fired) {
          fired = true;
          if (fault === 'abort') controller.abort();
          else {
            console.log('pocketrec-test: chunk write');
            for (const end = Date.now() + 60_000; Date.now() < end;); // hung until the spec closes the page
          }
        }
        return request;
      };
    }
    const { worker, abortAfterMs: _a, faultOnFirstChunkWrite: _f, ...rest } = options;
    return settle(async () => {
      const started = performance.now();
      const recommender = await createRecommender({
        ...rest,
        createWorker: workerFor(worker),
        onProgress: (p) => log.push(p),
        signal: controller.signal,
      });
      recommenders.set(name, recommender);
      return { status: recommender.loaded, millis: performance.now() - started };
    });
  },
  progress: (name: string) => progress.get(name) ?? [],
  /** Calls a Recommender method by name. */
  call<M extends Method>(
    name: string,
    method: M,
    ...args: Parameters<Recommender[M]>
  ): Promise<Outcome<Awaited<ReturnType<Recommender[M]>>>> {
    type Result = Awaited<ReturnType<Recommender[M]>>;
    return settle<unknown>(async () => {
      const recommender = recommenders.get(name);
      if (!recommender) throw new Error(`no recommender "${name}"`);
      const fn = recommender[method] as (...a: unknown[]) => Promise<unknown>;
      return fn.apply(recommender, args);
    }) as Promise<Outcome<Result>>;
  },
  /** Runs `count` recommend calls and reports tf.memory() in the engine before and after. */
  recommendMany(name: string, count: number, request: Record<string, unknown>) {
    return settle(async () => {
      const recommender = recommenders.get(name)!;
      await recommender.recommend(request);
      const before = await recommender.memory();
      const started = performance.now();
      for (let i = 0; i < count; i++) await recommender.recommend(request);
      const millis = (performance.now() - started) / count;
      const after = await recommender.memory();
      return { before, after, millisPerCall: millis };
    });
  },
  async dispose(name: string) {
    await recommenders.get(name)?.dispose();
    recommenders.delete(name);
  },
  /** Makes the n-th and later puts into the `chunks` store throw a storage-full DOMException (in-page engines only). */
  armQuotaFault(afterPuts: number) {
    realPut ??= IDBObjectStore.prototype.put;
    const original = realPut;
    let puts = 0;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: Parameters<IDBObjectStore['put']>) {
      if (this.name === 'chunks' && ++puts > afterPuts)
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return original.apply(this, args);
    };
  },
  disarmQuotaFault() {
    if (realPut) IDBObjectStore.prototype.put = realPut;
  },
  /**
   * Reads what the database holds for a namespace, straight from IndexedDB, in model versions: the
   * store keeps each copy under a storage key (`<version>~<random>`), mapped back here through the
   * copy's manifest record (a key without a record, i.e. orphaned chunks, is reported as the key).
   */
  async inspectStore(namespace: string, databaseName = 'pocketrec') {
    const { openDB } = await import('idb');
    const db = await openDB(databaseName);
    const names = [...db.objectStoreNames];
    type Record = { namespace: string; modelVersion: string; complete: boolean; manifest: { modelVersion: string } };
    const records = names.includes('manifests')
      ? ((await db.getAll('manifests')) as Record[]).filter((m) => m.namespace === namespace)
      : [];
    const versionOf = (key: string) => records.find((r) => r.modelVersion === key)?.manifest.modelVersion ?? key;
    const pointer = names.includes('active')
      ? ((await db.get('active', namespace)) as { modelVersion: string } | undefined)
      : undefined;
    const result = {
      active: pointer ? versionOf(pointer.modelVersion) : null,
      versions: records.map((m) => ({ modelVersion: m.manifest.modelVersion, complete: m.complete })),
      chunkVersions: names.includes('chunks')
        ? [
            ...new Set(
              ((await db.getAllKeys('chunks')) as unknown as [string, string][])
                .filter((key) => key[0] === namespace)
                .map((key) => versionOf(key[1])),
            ),
          ]
        : [],
    };
    db.close();
    return result;
  },
};

declare global {
  interface Window {
    engineTest: typeof engineTest;
  }
}
window.engineTest = engineTest;
document.getElementById('status')!.textContent = 'ready';
