/**
 * Entry of the built `sw.js`: the precache logic with the list the build baked in. Built by
 * `vite-plugin.ts` (never imported by the page).
 */
import { installPrecache, type PrecacheConfig, type PrecacheScope } from './service-worker.ts';

declare const __POCKETREC_PRECACHE__: PrecacheConfig;

installPrecache(self as unknown as PrecacheScope, __POCKETREC_PRECACHE__);
