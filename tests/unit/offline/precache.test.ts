/**
 * The offline module: which requests the service worker answers, install / activate / fetch against
 * a fake scope and Cache API, and the build-time file list.
 */
import { describe, expect, it } from 'vitest';
import {
  installPrecache,
  precachedUrlFor,
  precacheName,
  type PrecacheConfig,
  type PrecacheFetchEvent,
  type PrecacheScope,
  type WaitUntilEvent,
} from '../../../src/offline/service-worker.ts';
import { precacheVersion, reachableFiles, type OutputFile } from '../../../src/offline/vite-plugin.ts';

const SCOPE = 'https://app.example/demo/';
const config: PrecacheConfig = {
  cacheName: 'test-offline',
  version: 'v2',
  files: ['index.html', 'assets/main-1.js', 'assets/tfjs.wasm'],
  navigationFallback: 'index.html',
};

function req(url: string, init: { method?: string; mode?: RequestMode } = {}) {
  return { url, method: init.method ?? 'GET', mode: init.mode ?? 'cors' } as Pick<Request, 'url' | 'method' | 'mode'>;
}

describe('precachedUrlFor', () => {
  it('answers listed files and navigations to the page, nothing else', () => {
    expect(precachedUrlFor(req(`${SCOPE}assets/main-1.js`), SCOPE, config)).toBe(`${SCOPE}assets/main-1.js`);
    expect(precachedUrlFor(req(SCOPE, { mode: 'navigate' }), SCOPE, config)).toBe(`${SCOPE}index.html`);
    expect(precachedUrlFor(req(`${SCOPE}?model=x`, { mode: 'navigate' }), SCOPE, config)).toBe(`${SCOPE}index.html`);
    expect(precachedUrlFor(req(`${SCOPE}index.html`, { mode: 'navigate' }), SCOPE, config)).toBe(`${SCOPE}index.html`);
    // Model files, other pages, other origins, other methods, query strings: left to the network.
    expect(precachedUrlFor(req(`${SCOPE}models/m/weights.bin`), SCOPE, config)).toBeUndefined();
    expect(precachedUrlFor(req(`${SCOPE}tests/pages/engine.html`, { mode: 'navigate' }), SCOPE, config)).toBeUndefined();
    expect(precachedUrlFor(req('https://cdn.example/demo/assets/main-1.js'), SCOPE, config)).toBeUndefined();
    expect(precachedUrlFor(req(`${SCOPE}assets/main-1.js`, { method: 'POST' }), SCOPE, config)).toBeUndefined();
    expect(precachedUrlFor(req(`${SCOPE}assets/main-1.js?v=2`), SCOPE, config)).toBeUndefined();
    expect(precachedUrlFor(req('https://app.example/assets/main-1.js'), SCOPE, config)).toBeUndefined();
    expect(precachedUrlFor(req(SCOPE, { mode: 'navigate' }), SCOPE, { ...config, navigationFallback: null })).toBeUndefined();
  });
});

/** A Cache API in memory, enough for the worker. */
function fakeCaches(): CacheStorage & { stores: Map<string, Map<string, Response>> } {
  const stores = new Map<string, Map<string, Response>>();
  const open = async (name: string) => {
    if (!stores.has(name)) stores.set(name, new Map());
    const store = stores.get(name)!;
    return {
      addAll: async (requests: Request[]) => {
        for (const r of requests) {
          expect(r.cache).toBe('reload');
          store.set(r.url, new Response(`body of ${r.url}`));
        }
      },
      match: async (url: string) => store.get(url)?.clone(),
    } as unknown as Cache;
  };
  return {
    stores,
    open,
    keys: async () => [...stores.keys()],
    delete: async (name: string) => stores.delete(name),
    has: async (name: string) => stores.has(name),
    match: async () => undefined,
  } as unknown as CacheStorage & { stores: Map<string, Map<string, Response>> };
}

function fakeScope() {
  const listeners = new Map<string, (event: never) => void>();
  const caches = fakeCaches();
  const calls: string[] = [];
  const scope: PrecacheScope = {
    registration: { scope: SCOPE },
    caches,
    clients: { claim: async () => void calls.push('claim') },
    skipWaiting: async () => void calls.push('skipWaiting'),
    fetch: async (request) => {
      calls.push(`network ${typeof request === 'string' ? request : request.url}`);
      return new Response('from network');
    },
    addEventListener: (type: string, listener: (event: never) => void) => void listeners.set(type, listener),
  };
  const extendable = async (type: 'install' | 'activate') => {
    let work: Promise<unknown> = Promise.resolve();
    (listeners.get(type) as (event: WaitUntilEvent) => void)({ waitUntil: (p) => (work = p) });
    await work;
  };
  const fetchEvent = async (request: Request): Promise<Response | undefined> => {
    let answer: Promise<Response> | undefined;
    const event: PrecacheFetchEvent = { request, waitUntil: () => undefined, respondWith: (r) => (answer = Promise.resolve(r)) };
    (listeners.get('fetch') as (event: PrecacheFetchEvent) => void)(event);
    return answer ? await answer : undefined;
  };
  return { scope, caches, calls, extendable, fetchEvent };
}

describe('installPrecache', () => {
  it('precaches at install, deletes older versions at activate, answers from the cache', async () => {
    const sw = fakeScope();
    sw.caches.stores.set('test-offline-v1', new Map()); // the previous build's cache
    sw.caches.stores.set('someone-else', new Map()); // another app's cache on the origin: kept
    installPrecache(sw.scope, config);
    await sw.extendable('install');
    expect([...sw.caches.stores.get(precacheName(config))!.keys()]).toEqual(config.files.map((f) => `${SCOPE}${f}`));
    await sw.extendable('activate');
    expect([...sw.caches.stores.keys()].sort()).toEqual(['someone-else', 'test-offline-v2']);
    expect(sw.calls).toEqual(['skipWaiting', 'claim']);

    const hit = await sw.fetchEvent(new Request(`${SCOPE}assets/main-1.js`));
    expect(await hit?.text()).toBe(`body of ${SCOPE}assets/main-1.js`);
    // Not ours: no respondWith, so the browser goes to the network itself.
    expect(await sw.fetchEvent(new Request(`${SCOPE}models/m/manifest.json`))).toBeUndefined();
    // Listed but missing from the cache (evicted): the network answers.
    sw.caches.stores.get('test-offline-v2')!.delete(`${SCOPE}assets/tfjs.wasm`);
    expect(await (await sw.fetchEvent(new Request(`${SCOPE}assets/tfjs.wasm`)))?.text()).toBe('from network');
  });
});

describe('reachableFiles', () => {
  const text = (fileName: string, body: string): OutputFile => ({ fileName, text: body, bytes: new TextEncoder().encode(body) });
  const files: OutputFile[] = [
    text('index.html', '<script src="/assets/main-1.js"></script><link href="/assets/main-1.css">'),
    text('assets/main-1.js', 'import("./client-2.js"); new URL("/assets/engine.worker-3.js", import.meta.url)'),
    text('assets/main-1.css', 'body{}'),
    text('assets/client-2.js', 'fetch("models/m/manifest.json")'),
    text('assets/engine.worker-3.js', 'const wasm = "/assets/tfjs-4.wasm"'),
    { fileName: 'assets/tfjs-4.wasm', bytes: new Uint8Array([0, 97, 115, 109]) },
    text('assets/test-page-5.js', 'unrelated'),
    text('tests/pages/engine.html', '<script src="/assets/test-page-5.js"></script>'),
    text('models/m/manifest.json', '{}'),
    text('assets/main-1.js.map', '{}'),
  ];
  it('follows references from the entry page and skips excluded files', () => {
    const listed = reachableFiles(files, 'index.html', [/^models\//, /\.map$/]);
    expect(listed).toEqual([
      'index.html',
      'assets/client-2.js',
      'assets/engine.worker-3.js',
      'assets/main-1.css',
      'assets/main-1.js',
      'assets/tfjs-4.wasm',
    ]);
    expect(() => reachableFiles(files, 'missing.html', [])).toThrow(/no missing\.html/);
  });
  it('versions by content: a changed file gives another version', () => {
    const listed = reachableFiles(files, 'index.html', []);
    const changed = files.map((f) => (f.fileName === 'index.html' ? text('index.html', `${f.text}<!-- new -->`) : f));
    expect(precacheVersion(files, listed)).toMatch(/^[0-9a-f]{16}$/);
    expect(precacheVersion(files, listed)).toBe(precacheVersion([...files].reverse(), listed));
    expect(precacheVersion(changed, listed)).not.toBe(precacheVersion(files, listed));
  });
});
