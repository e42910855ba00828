/**
 * Typed errors of the on-device engine.
 *
 * Every failure a host app can act on has its own class and a stable `code`, so the app can tell
 * "WebGPU unavailable, fell back to wasm" from "model corrupt" from "quota exceeded" without parsing
 * messages. Messages say what happened and what to do. The classes survive the worker boundary (see
 * `transfer.ts`): a host catches `instanceof ModelIntegrityError` whether the engine ran in a worker
 * or in the page.
 */

/** Stable machine-readable codes, one per class. */
export type PocketrecErrorCode =
  | 'BACKEND_UNAVAILABLE'
  | 'MODEL_INTEGRITY'
  | 'MODEL_FORMAT'
  | 'NETWORK'
  | 'QUOTA_EXCEEDED'
  | 'STORAGE_BLOCKED'
  | 'STORAGE_UNAVAILABLE'
  | 'UNKNOWN_ITEM'
  | 'INVALID_ARGUMENT'
  | 'ABORTED'
  | 'WORKER_CRASHED'
  | 'DEVICE_LOST'
  | 'DISPOSED'
  | 'INTERNAL';

/** Structured extra facts about an error; plain JSON so it crosses `postMessage` unchanged. */
export type ErrorDetails = Record<string, string | number | boolean | null | string[] | number[] | undefined>;

/** Base class of every error the engine throws on purpose. */
export class PocketrecError extends Error {
  override name = 'PocketrecError';
  /** Stable code for programmatic handling (`switch (e.code)`). */
  readonly code: PocketrecErrorCode;
  /** Structured facts (file role, expected vs actual hash, unknown ids, ...). */
  readonly details: ErrorDetails;

  constructor(code: PocketrecErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }
}

/** No requested backend could be initialised (the `auto` ladder ran out, or an explicit one failed). */
export class BackendUnavailableError extends PocketrecError {
  override name = 'BackendUnavailableError';
  constructor(message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super('BACKEND_UNAVAILABLE', message, details, options);
  }
}

/** A downloaded file does not match the manifest (wrong sha256 or wrong size, e.g. a cut-off download). */
export class ModelIntegrityError extends PocketrecError {
  override name = 'ModelIntegrityError';
  constructor(message: string, details: ErrorDetails = {}) {
    super('MODEL_INTEGRITY', message, details);
  }
}

/** The manifest or an artifact cannot be understood (wrong format, unknown version, missing role). */
export class ModelFormatError extends PocketrecError {
  override name = 'ModelFormatError';
  constructor(message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super('MODEL_FORMAT', message, details, options);
  }
}

/** The model could not be fetched (offline with nothing stored, HTTP error). */
export class NetworkError extends PocketrecError {
  override name = 'NetworkError';
  constructor(message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super('NETWORK', message, details, options);
  }
}

/** The browser refused to store more data; nothing of the new model was activated. */
export class QuotaExceededError extends PocketrecError {
  override name = 'QuotaExceededError';
  constructor(message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super('QUOTA_EXCEEDED', message, details, options);
  }
}

/**
 * Another tab holds the database open at an older schema version (`blocked`), or a newer tab asked
 * this one to close (`versionchange`).
 */
export class StorageBlockedError extends PocketrecError {
  override name = 'StorageBlockedError';
  constructor(message: string, details: ErrorDetails = {}) {
    super('STORAGE_BLOCKED', message, details);
  }
}

/** IndexedDB is missing or broken (private mode in some browsers, storage disabled). */
export class StorageUnavailableError extends PocketrecError {
  override name = 'StorageUnavailableError';
  constructor(message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super('STORAGE_UNAVAILABLE', message, details, options);
  }
}

/** Events or filters named item ids that are not in the model's catalog. */
export class UnknownItemError extends PocketrecError {
  override name = 'UnknownItemError';
  /** The offending raw ids (at most 20 are listed). */
  get itemIds(): string[] {
    const ids = this.details.itemIds;
    return Array.isArray(ids) ? ids.map(String) : [];
  }
  constructor(message: string, details: ErrorDetails = {}) {
    super('UNKNOWN_ITEM', message, details);
  }
}

/** A call was made with arguments outside their documented range. */
export class InvalidArgumentError extends PocketrecError {
  override name = 'InvalidArgumentError';
  constructor(message: string, details: ErrorDetails = {}) {
    super('INVALID_ARGUMENT', message, details);
  }
}

/** The caller's `AbortSignal` fired; whatever was in progress was rolled back. */
export class AbortError extends PocketrecError {
  override name = 'AbortError';
  constructor(
    message = 'The operation was aborted by its AbortSignal; the previously active model (if any) is unchanged.',
    details: ErrorDetails = {},
  ) {
    super('ABORTED', message, details);
  }
}

/** The worker died (uncaught error, out of memory) or could not be started. */
export class WorkerCrashedError extends PocketrecError {
  override name = 'WorkerCrashedError';
  constructor(message: string, details: ErrorDetails = {}) {
    super('WORKER_CRASHED', message, details);
  }
}

/** The GPU device was lost (driver reset, tab backgrounded too long); recreate the recommender. */
export class DeviceLostError extends PocketrecError {
  override name = 'DeviceLostError';
  constructor(message: string, details: ErrorDetails = {}) {
    super('DEVICE_LOST', message, details);
  }
}

/** A call was made after `dispose()`. */
export class DisposedError extends PocketrecError {
  override name = 'DisposedError';
  constructor(message = 'This recommender was disposed; create a new one with createRecommender().') {
    super('DISPOSED', message);
  }
}

/** An unexpected failure inside the engine (a bug): report it with `details`. */
export class InternalError extends PocketrecError {
  override name = 'InternalError';
  constructor(message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super('INTERNAL', message, details, options);
  }
}

type ErrorFactory = (message: string, details: ErrorDetails) => PocketrecError;

/** code -> constructor, used to rebuild an error of the right class on the other side of a worker. */
const FACTORIES: Record<PocketrecErrorCode, ErrorFactory> = {
  BACKEND_UNAVAILABLE: (m, d) => new BackendUnavailableError(m, d),
  MODEL_INTEGRITY: (m, d) => new ModelIntegrityError(m, d),
  MODEL_FORMAT: (m, d) => new ModelFormatError(m, d),
  NETWORK: (m, d) => new NetworkError(m, d),
  QUOTA_EXCEEDED: (m, d) => new QuotaExceededError(m, d),
  STORAGE_BLOCKED: (m, d) => new StorageBlockedError(m, d),
  STORAGE_UNAVAILABLE: (m, d) => new StorageUnavailableError(m, d),
  UNKNOWN_ITEM: (m, d) => new UnknownItemError(m, d),
  INVALID_ARGUMENT: (m, d) => new InvalidArgumentError(m, d),
  ABORTED: (m, d) => new AbortError(m, d),
  WORKER_CRASHED: (m, d) => new WorkerCrashedError(m, d),
  DEVICE_LOST: (m, d) => new DeviceLostError(m, d),
  DISPOSED: (m) => new DisposedError(m),
  INTERNAL: (m, d) => new InternalError(m, d),
};

/** The plain-object form of a `PocketrecError` that crosses `postMessage`. */
export interface SerializedPocketrecError {
  code: PocketrecErrorCode;
  name: string;
  message: string;
  details: ErrorDetails;
  stack?: string;
}

/** Flattens an error for the wire. */
export function serializeError(error: PocketrecError): SerializedPocketrecError {
  return { code: error.code, name: error.name, message: error.message, details: error.details, stack: error.stack };
}

/** Rebuilds the right subclass from its wire form (unknown codes become `InternalError`). */
export function deserializeError(wire: SerializedPocketrecError): PocketrecError {
  const factory = FACTORIES[wire.code] ?? FACTORIES.INTERNAL;
  const error = factory(wire.message, wire.details ?? {});
  if (wire.stack) error.stack = `${error.name}: ${error.message}\n    (from worker)\n${wire.stack}`;
  return error;
}

/** True for DOMException/Error objects the browser raises when storage is full. */
export function isQuotaError(error: unknown): boolean {
  if (error instanceof QuotaExceededError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const name = (error as { name?: unknown }).name;
  const inner = (error as { inner?: unknown; cause?: unknown }).cause;
  return name === 'QuotaExceededError' || (inner !== undefined && inner !== error && isQuotaError(inner));
}

/**
 * Wraps anything thrown inside the engine into a `PocketrecError` so the host only ever sees typed
 * errors (an abort DOMException becomes `AbortError`, a storage-full DOMException `QuotaExceededError`).
 */
export function toPocketrecError(error: unknown, context: string): PocketrecError {
  if (error instanceof PocketrecError) return error;
  if (isQuotaError(error)) {
    return new QuotaExceededError(
      `${context}: the browser's storage quota is exhausted. Free space (clear other sites' data or old models with recommender.dispose/clearStorage) and retry; the previously active model is unchanged.`,
      {},
      { cause: error },
    );
  }
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  if (name === 'AbortError') return new AbortError();
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(`${context}: ${message}`, { cause: name === undefined ? null : String(name) }, { cause: error });
}
