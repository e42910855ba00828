/**
 * pocketrec's offline module for host pages (browser side): `registerOfflineCache` registers the
 * service worker that the `offlinePrecache()` Vite plugin (`./vite-plugin.ts`, build time, Node)
 * writes next to the built page; `installPrecache` is that worker's logic, for hosts that build
 * their own worker. See docs/demo.md, "Offline".
 */
export { registerOfflineCache, type OfflineCacheState, type RegisterOfflineCacheOptions } from './register.ts';
export {
  installPrecache,
  precachedUrlFor,
  precacheName,
  type PrecacheConfig,
  type PrecacheFetchEvent,
  type PrecacheScope,
  type WaitUntilEvent,
} from './service-worker.ts';
