/**
 * Makes the page reload with the network off: registers public/sw.js, waits until it controls the
 * page, then caches what the page fetched before that (later requests, the recommender's worker
 * included, go through the service worker and are cached as they pass). The model and the history
 * need none of this: pocketrec reads them from IndexedDB.
 */
export async function enableOffline(cacheName = 'app-v1', modelFolder = '/model/'): Promise<void> {
  if (!('serviceWorker' in navigator)) return;
  await navigator.serviceWorker.register('/sw.js');
  if (!navigator.serviceWorker.controller) {
    await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve, { once: true }));
  }
  const cache = await caches.open(cacheName);
  const urls = [location.href, ...performance.getEntriesByType('resource').map((entry) => entry.name)].filter((url) => {
    const { origin, pathname } = new URL(url);
    return origin === location.origin && !pathname.startsWith(modelFolder);
  });
  await Promise.all(urls.map((url) => cache.add(url).catch(() => undefined)));
}
