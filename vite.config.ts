/**
 * Vite configuration for the demo app and the browser test pages.
 *
 * `vite build` builds the demo (index.html) into dist-demo/. `vite build --mode test` also builds every
 * page under tests/pages/ and the embedding example (docs/examples/embed/) into dist-test/, which the
 * Playwright suite serves with `vite preview --mode test`. Workers are ES modules
 * (`new Worker(new URL(...), { type: 'module' })`).
 */
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { offlinePrecache } from './src/offline/vite-plugin.ts';

const root = import.meta.dirname;

/** Every HTML page the test build serves, keyed by a name Rollup uses for its chunk. */
function testPages(): Record<string, string> {
  const pages: Record<string, string> = {};
  const pagesDir = resolve(root, 'tests/pages');
  if (existsSync(pagesDir)) {
    for (const file of readdirSync(pagesDir)) {
      if (file.endsWith('.html')) pages[`test-${file.slice(0, -5)}`] = resolve(pagesDir, file);
    }
  }
  const embedExample = resolve(root, 'docs/examples/embed/index.html');
  if (existsSync(embedExample)) pages['example-embed'] = embedExample;
  return pages;
}

export default defineConfig(({ mode }) => {
  const isTest = mode === 'test';
  return {
    root,
    publicDir: 'public',
    // The demo's service worker (dist-demo/sw.js): a second visit works offline (docs/demo.md).
    plugins: [offlinePrecache()],
    build: {
      outDir: isTest ? 'dist-test' : 'dist-demo', // dist/ is the npm package's (npm run build:package)
      emptyOutDir: true,
      target: 'es2022',
      chunkSizeWarningLimit: 4096,
      rollupOptions: {
        // train.html: "Train on your own data" (docs/demo.md), the pipeline in a worker.
        input: { main: resolve(root, 'index.html'), train: resolve(root, 'train.html'), ...(isTest ? testPages() : {}) },
      },
    },
    // docs/examples/embed imports `pocketrec` by package name, as a host app does; here that is the source.
    resolve: { alias: [{ find: /^pocketrec$/, replacement: resolve(root, 'src/client/index.ts') }] },
    worker: { format: 'es' },
    server: { host: '127.0.0.1', port: 5173 },
    preview: { host: '127.0.0.1', port: isTest ? Number(process.env.POCKETREC_TEST_PORT || 4173) : 4174, strictPort: true },
  };
});
