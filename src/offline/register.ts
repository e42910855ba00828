/**
 * Page side of the offline cache: registers the service worker that `offlinePrecache()` (the Vite
 * plugin) wrote next to the built page. Browser code; safe to call where service workers are missing.
 */

/** What `registerOfflineCache` achieved. */
export interface OfflineCacheState {
  /**
   * `ready`: a service worker with the page's files is active and controls this page, so the next
   * visit works without a network; `unsupported`: no `navigator.serviceWorker` (or not a secure
   * context); `failed`: registration failed (`error` says why; the page itself still works online).
   */
  state: 'ready' | 'unsupported' | 'failed';
  error?: string;
}

/** Options of `registerOfflineCache`. */
export interface RegisterOfflineCacheOptions {
  /** Scope of the worker (default: the folder of `scriptUrl`). */
  scope?: string;
  /** Give up waiting for control after this many ms (default 60 000); the worker may still finish later. */
  timeoutMs?: number;
}

/**
 * Registers `scriptUrl` (the built `sw.js`) and resolves once it is active and controls the page, i.e.
 * once every precached file is stored. Never rejects.
 */
export async function registerOfflineCache(
  scriptUrl: string | URL,
  options: RegisterOfflineCacheOptions = {},
): Promise<OfflineCacheState> {
  const container = typeof navigator !== 'undefined' ? navigator.serviceWorker : undefined;
  if (!container) return { state: 'unsupported' };
  try {
    await container.register(scriptUrl, options.scope ? { scope: options.scope } : {});
    await container.ready;
    if (!container.controller) {
      // First visit: the worker claims open pages at activate; wait for that (bounded).
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the service worker did not take control in time')),
          options.timeoutMs ?? 60_000,
        );
        container.addEventListener(
          'controllerchange',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    }
    return { state: 'ready' };
  } catch (error) {
    return { state: 'failed', error: error instanceof Error ? error.message : String(error) };
  }
}
