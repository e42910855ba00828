/**
 * The service worker's logic, generic and framework-free: precache a fixed list of the page's own
 * files at install, answer same-origin GETs for exactly those files cache-first, and delete older
 * versions of the cache at activate. Everything else (model files, API calls, other origins, other
 * pages) goes to the network untouched, so a model, which pocketrec keeps in IndexedDB, is never
 * copied into the Cache API as well.
 *
 * It has no imports and touches no global at load time: `sw-entry.ts` calls `installPrecache(self,
 * config)` in the built `sw.js`, and the unit tests call it with a fake scope. The file list and the
 * version come from the build (`vite-plugin.ts`).
 */

/** What the build bakes into `sw.js`. */
export interface PrecacheConfig {
  /** Cache name prefix; every cache with this prefix and another version is deleted at activate. */
  cacheName: string;
  /** Content hash of the precached files: a new build gets a new cache. */
  version: string;
  /** Files relative to the service worker's scope, e.g. `index.html`, `assets/main-3f2a.js`. */
  files: string[];
  /**
   * File answered for navigations to the scope itself (`./`, `./index.html`, any query string), e.g.
   * `index.html`; null to leave navigations alone.
   */
  navigationFallback: string | null;
}

/** The part of `ExtendableEvent` used here. */
export interface WaitUntilEvent {
  waitUntil(promise: Promise<unknown>): void;
}

/** The part of `FetchEvent` used here. */
export interface PrecacheFetchEvent extends WaitUntilEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}

/**
 * The part of `ServiceWorkerGlobalScope` used here (declared structurally so this module type-checks
 * with the DOM library and runs against a fake in unit tests).
 */
export interface PrecacheScope {
  readonly registration: { readonly scope: string };
  readonly caches: CacheStorage;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  fetch(request: Request | string, init?: RequestInit): Promise<Response>;
  addEventListener(type: 'install' | 'activate', listener: (event: WaitUntilEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: PrecacheFetchEvent) => void): void;
}

/** The full cache name of one version, e.g. `pocketrec-offline-3f2a9c`. */
export function precacheName(config: Pick<PrecacheConfig, 'cacheName' | 'version'>): string {
  return `${config.cacheName}-${config.version}`;
}

/**
 * Which precached file answers `request`, as an absolute URL, or undefined when the request is not
 * ours (not a GET, another origin, outside the scope, a file not in the list, a navigation to
 * another page).
 */
export function precachedUrlFor(
  request: Pick<Request, 'method' | 'url' | 'mode'>,
  scopeUrl: string,
  config: PrecacheConfig,
): string | undefined {
  if (request.method !== 'GET') return undefined;
  const url = new URL(request.url);
  const scope = new URL(scopeUrl);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return undefined;
  const relative = decodeURIComponent(url.pathname.slice(scope.pathname.length));
  if (request.mode === 'navigate') {
    if (config.navigationFallback === null) return undefined;
    if (relative === '' || relative === config.navigationFallback) return new URL(config.navigationFallback, scope).href;
    return undefined;
  }
  // Hashed assets never carry a query string we need; a file with one is someone else's request.
  if (url.search !== '' || !config.files.includes(relative)) return undefined;
  return new URL(relative, scope).href;
}

/** Wires install / activate / fetch on `scope` (call once, at the top level of the service worker). */
export function installPrecache(scope: PrecacheScope, config: PrecacheConfig): void {
  const name = precacheName(config);
  const scopeUrl = (): string => scope.registration.scope;

  scope.addEventListener('install', (event) => {
    event.waitUntil(
      (async () => {
        const cache = await scope.caches.open(name);
        // `cache: 'reload'`: the HTTP cache could hold a file of another build under the same name (index.html).
        await cache.addAll(config.files.map((file) => new Request(new URL(file, scopeUrl()).href, { cache: 'reload' })));
        await scope.skipWaiting();
      })(),
    );
  });

  scope.addEventListener('activate', (event) => {
    event.waitUntil(
      (async () => {
        const prefix = `${config.cacheName}-`;
        const names = await scope.caches.keys();
        await Promise.all(names.filter((n) => n.startsWith(prefix) && n !== name).map((n) => scope.caches.delete(n)));
        await scope.clients.claim();
      })(),
    );
  });

  scope.addEventListener('fetch', (event) => {
    const target = precachedUrlFor(event.request, scopeUrl(), config);
    if (target === undefined) return; // not ours: the browser fetches it as if there were no worker
    event.respondWith(
      (async () => {
        const cache = await scope.caches.open(name);
        const hit = await cache.match(target);
        return hit ?? scope.fetch(event.request);
      })(),
    );
  });
}
