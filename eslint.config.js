// ESLint flat config: recommended JS + typescript-eslint rules (not type-aware: fast on two cores),
// import cycles (import-x/no-cycle), and no Node APIs in browser folders. Formatting is Prettier's
// (`prettier --check .`), so no stylistic rules here. See docs/development.md.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Folders whose code runs in the browser (docs/architecture.md): no Node builtins, no `process`. */
const BROWSER_FILES = [
  'src/client/**',
  'src/engine/**',
  'src/store/**',
  'src/gpu/**',
  'src/model/**',
  'src/errors/**',
  'src/demo/**',
  'src/offline/**',
  'src/util/**',
  'src/bench/browser-bench.ts',
  'src/bench/synthetic-model.ts',
  'workers/**',
  'tests/pages/**',
  'docs/examples/**',
  // Shared with the browser's training worker (src/pipeline, workers/train.worker.ts): Node only in the adapters below.
  'src/pipeline/**',
  'src/data/**',
  'src/sid/**',
  'src/train/**',
  'src/eval/**',
];
/** Browser-safe exceptions inside those folders (Node-only helpers). */
const NODE_ONLY_IN_BROWSER_FOLDERS = [
  'src/util/node-*.ts',
  'src/offline/vite-plugin.ts',
  // Node adapters of the shared pipeline modules (docs/architecture.md): files, datasets by name, threads.
  'src/data/io.ts',
  'src/data/registry.ts',
  'src/data/importers/movielens.ts',
  'src/data/importers/s3rec.ts',
  'src/data/importers/taobao.ts',
  'src/eval/node-*.ts',
  'src/train/node-*.ts',
  'src/train/parallel.ts',
  'src/train/grad-worker*',
  'src/train/step-benchmark.ts',
  'src/train/load-model.ts',
];

export default defineConfig(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'dist-demo/',
      'dist-test/',
      'tests/consumer/.work/',
      'dist-demo/',
      'tests/consumer/.work/',
      'test-results/',
      'playwright-report/',
      'runs/',
      'artifacts/',
      'public/models/',
      'data/',
      'docs/benchmarks/',
    ],
  },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.mts', '.js', '.mjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.mts', '.mjs', '.js'] })],
    },
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node, ...globals.browser } },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: BROWSER_FILES,
    ignores: NODE_ONLY_IN_BROWSER_FOLDERS,
    languageOptions: { globals: { ...globals.browser, ...globals.worker } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['node:*'], message: 'browser code must not import Node APIs (docs/architecture.md)' }],
          paths: builtinModules.map((name) => ({ name, message: 'browser code must not import Node APIs' })),
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'browser code must not use Node globals' },
        { name: 'Buffer', message: 'browser code must not use Node globals' },
        { name: '__dirname', message: 'browser code must not use Node globals' },
        { name: 'require', message: 'browser code must not use Node globals' },
      ],
    },
  },
);
