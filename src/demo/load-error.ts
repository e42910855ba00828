/**
 * A failed start, told to a person: what happened, what to do, and the technical detail apart.
 * Error classes are matched by their stable `code` and `details.reason` (src/errors), never by message.
 */

/** What the error screen shows. */
export interface DescribedLoadError {
  /** `not-a-model`, `offline`, `network`, `storage`, `integrity`, `other` (set on the screen as `data-error`). */
  kind: 'not-a-model' | 'offline' | 'network' | 'storage' | 'integrity' | 'other';
  title: string;
  advice: string;
  /** Error class, code and message, for the "Technical detail" toggle. */
  detail: string;
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The loader's answer for a manifest URL that serves something else: `ModelFormatError` with
 * `details.reason` `html` (a dev server's index.html for a missing path) or `not-json`.
 */
function isNotAModel(error: unknown, code: string | undefined): boolean {
  const reason = (error as { details?: { reason?: unknown } } | null)?.details?.reason;
  return code === 'MODEL_FORMAT' && (reason === 'html' || reason === 'not-json');
}

/** Describes `error` from `createRecommender` for the model at `modelUrl`. */
export function describeLoadError(error: unknown, modelUrl: string): DescribedLoadError {
  const code = codeOf(error);
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const detail = `${name}${code ? ` (${code})` : ''}: ${message}`;
  if (isNotAModel(error, code)) {
    return {
      kind: 'not-a-model',
      title: 'That URL is not a pocketrec model',
      advice: `${modelUrl} answered with something other than a model manifest (a web page, for instance). Check the address in ?model=, or use the built-in model.`,
      detail,
    };
  }
  if (code === 'NETWORK') {
    const offline = typeof navigator !== 'undefined' && !navigator.onLine;
    return offline
      ? {
          kind: 'offline',
          title: 'You are offline and no model is stored yet',
          advice:
            'The first visit needs a connection to download the model (about 8 MB). Connect and try again; after that the page works offline.',
          detail,
        }
      : { kind: 'network', title: 'The model could not be downloaded', advice: 'Check your connection and try again.', detail };
  }
  if (code === 'QUOTA_EXCEEDED' || code === 'STORAGE_UNAVAILABLE' || code === 'STORAGE_BLOCKED') {
    return {
      kind: 'storage',
      title: 'This browser would not let the page store the model',
      advice:
        code === 'STORAGE_BLOCKED'
          ? 'Another tab of this page is holding the storage. Close the other tabs of this page and try again.'
          : 'Private windows and full disks refuse storage. Try a normal window, or free some space, and try again.',
      detail,
    };
  }
  if (code === 'MODEL_INTEGRITY') {
    return {
      kind: 'integrity',
      title: 'The download was damaged',
      advice: 'A file did not match its checksum, so nothing was kept. Try again.',
      detail,
    };
  }
  return {
    kind: 'other',
    title: 'The recommender could not start',
    advice: 'Try again. If it keeps failing, delete this page’s stored data and start over.',
    detail,
  };
}
