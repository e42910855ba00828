// The app's service worker: serves this origin's pages and scripts from the network when it can and
// from a cache when it cannot, so the app reloads with the network off. pocketrec needs none of it
// for itself: the model and the user's history live in IndexedDB, so the model folder is skipped.
const CACHE = 'app-v1';
const MODEL_FOLDER = '/model/';

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== location.origin || url.pathname.startsWith(MODEL_FOLDER)) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          event.waitUntil(caches.open(CACHE).then((cache) => cache.put(request, copy)));
        }
        return response;
      })
      .catch(async () => (await caches.match(request, { ignoreVary: true })) ?? Response.error()),
  );
});
