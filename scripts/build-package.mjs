#!/usr/bin/env node
// `npm run build:package`: builds what the npm package ships, into dist/.
//   dist/index.js (+ chunks)  the client API (ESM); dependencies stay imports (the host bundles them)
//   dist/worker.js            the engine worker in one minified file: TF.js core + backends, idb and
//                             comlink bundled in, so a host's dev server serves it as is (no CommonJS
//                             left for it to convert); the two wasm binaries sit beside it
//   dist/types/               .d.ts for the public API (tsc)
//   dist/cli/                 the Node CLI compiled to JS (tsc), run by bin/pocketrec.mjs
// The demo app's build (`vite build`, vite.config.ts) is separate and unchanged.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'vite';

const root = resolve(import.meta.dirname, '..');
const dist = resolve(root, 'dist');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
const dependencies = Object.keys(pkg.dependencies ?? {});
/** Bare imports of a runtime dependency (or a file inside one) stay imports in the client build. */
const isDependency = (id) => dependencies.some((name) => id === name || id.startsWith(`${name}/`));

/** The placeholder the client build puts where the worker URL goes; replaced after bundling. */
const WORKER_URL = '__POCKETREC_DEFAULT_WORKER_URL__';
/** The same for the wasm binaries' URLs (`?url` imports in src/engine/wasm-paths.ts). */
const WASM_URL = '__POCKETREC_WASM_URL__';
const WASM_URL_IMPORT = /^@tensorflow\/tfjs-backend-wasm\/dist\/(tfjs-backend-wasm(?:-simd)?\.wasm)\?url$/;

/**
 * Turns `import url from '@tensorflow/tfjs-backend-wasm/dist/x.wasm?url'` (src/engine/wasm-paths.ts)
 * into `new URL('./x.wasm', import.meta.url).href`, pointing at the copies in dist/: the standard
 * pattern every bundler follows, instead of Vite's `?url` (unknown to other bundlers).
 */
function wasmUrls() {
  const prefix = '\0pocketrec-wasm-url:';
  return {
    name: 'pocketrec-wasm-urls',
    enforce: 'pre',
    resolveId(id) {
      const match = WASM_URL_IMPORT.exec(id);
      return match ? `${prefix}${match[1]}` : null;
    },
    load(id) {
      if (!id.startsWith(prefix)) return null;
      return `export default ${WASM_URL}(${JSON.stringify(id.slice(prefix.length))});`;
    },
    renderChunk(code) {
      if (!code.includes(WASM_URL)) return null;
      const replaced = code.replace(
        /__POCKETREC_WASM_URL__\((["'`])([\w.-]+)\1\)/g,
        (_, quote, name) => `new URL(${quote}./${name}${quote}, import.meta.url).href`,
      );
      return { code: replaced, map: null };
    },
  };
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
// The wasm backend's binaries, for the worker and the in-page engine alike. The threaded build is
// never loaded (src/engine/wasm-paths.ts switches multithreading off), so it is not shipped.
for (const name of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'])
  copyFileSync(resolve(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist', name), resolve(dist, name));

// 1. The worker.
await build({
  configFile: false,
  root,
  base: './',
  publicDir: false,
  logLevel: 'warn',
  plugins: [wasmUrls()],
  build: {
    outDir: dist,
    emptyOutDir: false,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 4096,
    copyPublicDir: false,
    modulePreload: false, // the preload helper touches `document`, which a worker has not
    rollupOptions: {
      input: { worker: resolve(root, 'workers/engine.worker.ts') },
      preserveEntrySignatures: false,
      output: {
        format: 'es',
        entryFileNames: '[name].js',
        // One file: chunks that import the entry back would load it a second time under another URL
        // (Vite's dev server adds `?v=` to the entry only), starting a second engine on the same port.
        codeSplitting: false,
        assetFileNames: '[name][extname]',
      },
    },
  },
});

// 2. The client API (library mode). The default worker becomes `new Worker(new URL('./worker.js',
//    import.meta.url), { type: 'module' })`, the pattern host bundlers (Vite, webpack 5, Parcel,
//    esbuild with plugins) recognise, pointing at the prebuilt worker above.
await build({
  configFile: false,
  root,
  publicDir: false,
  logLevel: 'warn',
  plugins: [
    {
      name: 'pocketrec-prebuilt-worker',
      enforce: 'pre',
      transform(code, id) {
        if (!id.endsWith('src/client/worker-engine.ts')) return null;
        const pattern = "new URL('../../workers/engine.worker.ts', import.meta.url)";
        if (!code.includes(pattern)) this.error(`worker-engine.ts no longer contains ${pattern}`);
        return { code: code.replace(pattern, `${WORKER_URL}()`), map: null };
      },
      renderChunk(code) {
        if (!code.includes(WORKER_URL)) return null;
        return { code: code.replace(`${WORKER_URL}()`, "new URL('./worker.js', import.meta.url)"), map: null };
      },
    },
    wasmUrls(),
  ],
  build: {
    outDir: dist,
    emptyOutDir: false,
    target: 'es2022',
    minify: false,
    sourcemap: false,
    copyPublicDir: false,
    lib: { entry: resolve(root, 'src/client/index.ts'), formats: ['es'], fileName: 'index' },
    rollupOptions: {
      external: (id) => !WASM_URL_IMPORT.test(id) && isDependency(id),
      output: { chunkFileNames: 'client-[name].js' },
    },
  },
});

/** Rewrites `from './x.ts'` (and `import('./x.ts')`) to `.js` in every .d.ts under `dir`. */
function rewriteDeclarationImports(dir) {
  for (const name of readdirSync(dir)) {
    const path = resolve(dir, name);
    if (statSync(path).isDirectory()) rewriteDeclarationImports(path);
    else if (name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8');
      const rewritten = text.replace(/((?:from|import\()\s*['"])(\.{1,2}\/[^'"]+)\.ts(['"])/g, '$1$2.js$3');
      if (rewritten !== text) writeFileSync(path, rewritten);
    }
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

// 3. Types and the CLI (tsc).
// The compiler `npm run typecheck` uses (TypeScript 7, installed as `typescript7`).
const tsc = resolve(root, 'node_modules/typescript7/bin/tsc');
run(process.execPath, [tsc, '-p', 'tsconfig.package.json']);
run(process.execPath, [tsc, '-p', 'tsconfig.cli.json']);
// The training gradient worker starts from a .mjs file; in dist it loads the compiled module directly.
writeFileSync(
  resolve(dist, 'cli/train/grad-worker.mjs'),
  [
    "// Worker-thread entry of the built CLI (the repository's src/train/grad-worker.mjs runs the .ts through tsx).",
    "import { register } from 'node:module';",
    '',
    "register('../../../bin/tfjs-esm-hook.mjs', import.meta.url); // TF.js's per-op gradient modules",
    "await import('./grad-worker-main.js');",
    '',
  ].join('\n'),
);
// Declarations keep the sources' `.ts` import specifiers; point them at the emitted `.d.ts` files.
rewriteDeclarationImports(resolve(dist, 'types'));
console.log('package build: dist/ ready');
