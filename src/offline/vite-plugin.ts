/**
 * `offlinePrecache()`: a Vite plugin (build time, Node) that writes a service worker next to the
 * built page, precaching exactly the files that page loads, so a second visit works without a
 * network.
 *
 * The list is the set of output files reachable from the entry HTML: a file is in when the text of a
 * file already in (HTML, JS, CSS) names it, which follows script and style tags, static and dynamic
 * imports, worker URLs and `?url` assets such as the wasm binaries. Files copied from `public/` are
 * not part of the bundle and so never in the list; `exclude` drops more (by default `models/` and
 * source maps). The version is a hash of the listed files' contents, so every build that changes a
 * file gets a fresh cache and the old one is deleted when the new worker activates.
 */
import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';
import type { PrecacheConfig } from './service-worker.ts';

/** Options of `offlinePrecache`. */
export interface OfflinePrecacheOptions {
  /** The page whose files are precached, as an output file name (default `index.html`). */
  entry?: string;
  /** Output name of the service worker (default `sw.js`, next to the entry so its scope covers it). */
  fileName?: string;
  /** Output files never precached, even when referenced (default: `models/` and source maps). */
  exclude?: RegExp[];
  /** Cache name prefix (default `pocketrec-offline`). */
  cacheName?: string;
}

/** One output file: its name and, for text files, its text. */
export interface OutputFile {
  fileName: string;
  text?: string;
  bytes: Uint8Array;
}

const TEXT = /\.(html|js|mjs|css|json|svg|webmanifest)$/;

/** The files reachable from `entry` (see the module comment), entry first, then by name. */
export function reachableFiles(files: OutputFile[], entry: string, exclude: RegExp[]): string[] {
  const byName = new Map(files.map((file) => [file.fileName, file]));
  if (!byName.has(entry)) throw new Error(`offlinePrecache: the build has no ${entry}`);
  const candidates = files.filter((file) => !exclude.some((pattern) => pattern.test(file.fileName)));
  const found = new Set([entry]);
  const queue = [entry];
  while (queue.length > 0) {
    const text = byName.get(queue.shift()!)?.text;
    if (text === undefined) continue;
    for (const file of candidates) {
      if (found.has(file.fileName)) continue;
      const base = file.fileName.slice(file.fileName.lastIndexOf('/') + 1);
      if (text.includes(base)) {
        found.add(file.fileName);
        queue.push(file.fileName);
      }
    }
  }
  return [entry, ...[...found].filter((name) => name !== entry).sort()];
}

/** A short content hash over the listed files (names and bytes). */
export function precacheVersion(files: OutputFile[], names: string[]): string {
  const hash = createHash('sha256');
  const byName = new Map(files.map((file) => [file.fileName, file]));
  for (const name of names) {
    hash.update(name);
    hash.update(byName.get(name)?.bytes ?? new Uint8Array());
  }
  return hash.digest('hex').slice(0, 16);
}

/** Builds `sw-entry.ts` into one classic script with `config` baked in. */
async function buildServiceWorker(config: PrecacheConfig): Promise<string> {
  const here = dirname(fileURLToPath(import.meta.url));
  // Next to this file: sw-entry.ts in the repository, sw-entry.js once compiled into a package.
  const entry = ['sw-entry.ts', 'sw-entry.js'].map((name) => resolve(here, name)).find((path) => existsSync(path));
  if (!entry) throw new Error(`offlinePrecache: no sw-entry.ts or sw-entry.js next to ${here}`);
  const result = await build({
    configFile: false,
    logLevel: 'warn',
    publicDir: false,
    define: { __POCKETREC_PRECACHE__: JSON.stringify(config) },
    build: {
      write: false,
      minify: true,
      emptyOutDir: false,
      lib: { entry, formats: ['iife'], name: 'pocketrecServiceWorker', fileName: () => 'sw.js' },
    },
  });
  const outputs = Array.isArray(result) ? result : [result];
  for (const output of outputs) {
    if (!('output' in output)) continue;
    const chunk = output.output.find((item) => item.type === 'chunk');
    if (chunk && chunk.type === 'chunk') return chunk.code;
  }
  throw new Error('offlinePrecache: building the service worker produced no script');
}

/** The plugin; add it to `plugins` of a Vite config (it runs in `vite build` only). */
export function offlinePrecache(options: OfflinePrecacheOptions = {}): Plugin {
  const entry = options.entry ?? 'index.html';
  const fileName = options.fileName ?? join(dirname(entry), 'sw.js').replace(/^\.\//, '');
  const exclude = options.exclude ?? [/^models\//, /\.map$/];
  return {
    name: 'pocketrec:offline-precache',
    apply: 'build',
    enforce: 'post',
    async writeBundle(outputOptions, bundle) {
      const files: OutputFile[] = Object.values(bundle).map((item) => {
        const bytes =
          item.type === 'chunk'
            ? new TextEncoder().encode(item.code)
            : typeof item.source === 'string'
              ? new TextEncoder().encode(item.source)
              : item.source;
        const text = item.type === 'chunk' ? item.code : TEXT.test(item.fileName) ? new TextDecoder().decode(bytes) : undefined;
        return { fileName: item.fileName, bytes, ...(text === undefined ? {} : { text }) };
      });
      if (!files.some((file) => file.fileName === entry)) return; // e.g. a library build of the same config
      const scopeDir = dirname(entry) === '.' ? '' : `${dirname(entry)}/`;
      const listed = reachableFiles(files, entry, exclude);
      const config: PrecacheConfig = {
        cacheName: options.cacheName ?? 'pocketrec-offline',
        version: precacheVersion(files, listed),
        files: listed.map((name) => name.slice(scopeDir.length)),
        navigationFallback: entry.slice(scopeDir.length),
      };
      const outDir = outputOptions.dir ?? dirname(outputOptions.file ?? '.');
      writeFileSync(join(outDir, fileName), await buildServiceWorker(config));
      const bytes = listed.reduce((sum, name) => sum + (files.find((f) => f.fileName === name)?.bytes.byteLength ?? 0), 0);
      this.info?.(
        `${fileName}: precaches ${listed.length} files (${(bytes / 1048576).toFixed(1)} MB), version ${config.version}`,
      );
    },
  };
}
