#!/usr/bin/env node
// The layer rule of docs/architecture.md, checked on the import graph of src/ and workers/.
//
// Fails (exit 1, one line per problem) on
//   - a folder-level back edge: a file in folder A imports a file in folder B although B is not in
//     LAYERS[A] (static `import`/`export ... from`, `import type`, and dynamic `import('...')` all count);
//   - a file-level import cycle (any strongly connected set of files, also inside one folder).
// `node scripts/check-layers.mjs --self-test` proves on small made-up graphs that both are caught;
// `--root <dir>` checks another tree (tests/unit/scripts/check-layers.test.ts uses it).
// Only relative specifiers are followed; packages (`@tensorflow/tfjs`, `node:fs`) are not layers.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Which folders each folder may import (its own files are always allowed). Node side:
 * data -> sid -> model -> train -> eval -> experiments -> cli; browser side: store -> model,
 * engine -> store, model, sid, gpu; client -> engine, model; demo -> client, offline. `util` and
 * `errors` are the bottom and import nothing.
 */
export const LAYERS = {
  util: [],
  errors: [],
  gpu: ['util'],
  offline: ['util'],
  data: ['util'],
  sid: ['util', 'data'],
  model: ['util', 'errors', 'sid'],
  store: ['util', 'errors', 'model'],
  engine: ['util', 'errors', 'gpu', 'sid', 'model', 'store'],
  client: ['util', 'errors', 'engine', 'model'],
  demo: ['util', 'errors', 'client', 'offline', 'pipeline'],
  pipeline: ['util', 'errors', 'data', 'sid', 'model', 'train', 'eval'],
  train: ['util', 'errors', 'data', 'sid', 'model'],
  eval: ['util', 'errors', 'data', 'sid', 'model', 'train'],
  experiments: ['util', 'errors', 'data', 'sid', 'model', 'train', 'eval'],
  bench: ['util', 'errors', 'data', 'sid', 'model', 'gpu', 'store', 'engine', 'train'],
  cli: ['util', 'errors', 'data', 'sid', 'model', 'train', 'eval', 'experiments'],
  workers: ['util', 'errors', 'engine', 'bench', 'pipeline'],
};

const SOURCE = /\.(ts|mts|mjs|js)$/;
// import/export ... from '...', import '...', import('...'); comments are stripped first.
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])([^'"]+)\1/g;

/** The relative specifiers a source file imports (static and dynamic). */
export function importsOf(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const found = [];
  for (const match of code.matchAll(SPECIFIER)) if (match[2].startsWith('.')) found.push(match[2]);
  return found;
}

/** The layer of a repo-relative path: `src/<folder>/...` -> folder, `workers/...` -> `workers`. */
export function layerOf(path) {
  const parts = path.split('/');
  if (parts[0] === 'workers') return 'workers';
  if (parts[0] === 'src' && parts.length > 2) return parts[1];
  return undefined;
}

/**
 * Checks a graph `{ file: [imported files] }` (repo-relative paths with `/`) against `layers`;
 * returns the problems as text, empty when the graph follows the rule.
 */
export function checkGraph(graph, layers = LAYERS) {
  const problems = [];
  for (const [file, targets] of Object.entries(graph)) {
    const from = layerOf(file);
    if (from === undefined) continue;
    if (!(from in layers)) {
      problems.push(`${file}: folder "${from}" has no entry in LAYERS (scripts/check-layers.mjs)`);
      continue;
    }
    for (const target of targets) {
      const to = layerOf(target);
      if (to === undefined || to === from) continue;
      if (!layers[from].includes(to)) problems.push(`back edge ${from} -> ${to}: ${file} imports ${target}`);
    }
  }
  for (const cycle of findCycles(graph)) problems.push(`import cycle: ${[...cycle, cycle[0]].join(' -> ')}`);
  return problems;
}

/** The strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function findCycles(graph) {
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const cycles = [];
  let counter = 0;
  const visit = (node) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph[node] ?? []) {
      if (!(next in graph)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) low.set(node, Math.min(low.get(node), index.get(next)));
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph[node] ?? []).includes(node)) cycles.push(component.reverse());
    }
  };
  for (const node of Object.keys(graph).sort()) if (!index.has(node)) visit(node);
  return cycles;
}

function listSources(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...listSources(path));
    else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Builds the import graph of src/ and workers/ under `root`. */
export function repoGraph(root) {
  const graph = {};
  const files = ['src', 'workers'].filter((d) => existsSync(join(root, d))).flatMap((d) => listSources(join(root, d)));
  const rel = (path) => relative(root, path).split(sep).join('/');
  for (const file of files) {
    graph[rel(file)] = importsOf(readFileSync(file, 'utf8')).map((spec) => rel(resolve(dirname(file), spec)));
  }
  return graph;
}

/** Small graphs with one known fault each: the check must report exactly that fault. */
function selfTest() {
  const cases = [
    { name: 'clean graph', graph: { 'src/model/a.ts': ['src/sid/b.ts'], 'src/sid/b.ts': [] }, expect: null },
    {
      name: 'folder back edge',
      graph: { 'src/sid/b.ts': ['src/model/a.ts'], 'src/model/a.ts': [] },
      expect: /back edge sid -> model/,
    },
    {
      name: 'browser folder importing a Node folder',
      graph: { 'src/engine/e.ts': ['src/train/t.ts'], 'src/train/t.ts': [] },
      expect: /back edge engine -> train/,
    },
    {
      name: 'file cycle inside one folder',
      graph: { 'src/model/a.ts': ['src/model/b.ts'], 'src/model/b.ts': ['src/model/c.ts'], 'src/model/c.ts': ['src/model/a.ts'] },
      expect: /import cycle: src\/model\/a\.ts -> src\/model\/b\.ts -> src\/model\/c\.ts -> src\/model\/a\.ts/,
    },
    { name: 'unknown folder', graph: { 'src/newthing/x.ts': [] }, expect: /no entry in LAYERS/ },
  ];
  const specifiers = importsOf(
    "import a from './a.ts';\nimport type { B } from '../b/b.ts';\n// import x from './commented.ts';\nconst c = await import('./c.ts');\nexport * from './d.ts';\nimport 'node:fs';",
  );
  const failures = [];
  if (specifiers.join() !== './a.ts,../b/b.ts,./c.ts,./d.ts') failures.push(`importsOf found ${specifiers.join()}`);
  for (const c of cases) {
    const problems = checkGraph(c.graph);
    const ok = c.expect === null ? problems.length === 0 : problems.length === 1 && c.expect.test(problems[0]);
    if (!ok) failures.push(`${c.name}: got ${JSON.stringify(problems)}`);
  }
  return failures;
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  if (process.argv.includes('--self-test')) {
    const failures = selfTest();
    for (const f of failures) console.error(`self-test FAILED: ${f}`);
    if (failures.length) process.exit(1);
    console.log('check-layers self-test: back edges and cycles are caught');
  } else {
    const rootAt = process.argv.indexOf('--root');
    const root = rootAt >= 0 ? resolve(process.argv[rootAt + 1]) : resolve(dirname(fileURLToPath(import.meta.url)), '..');
    const graph = repoGraph(root);
    const problems = checkGraph(graph);
    for (const p of problems) console.error(p);
    if (problems.length) {
      console.error(`\n${problems.length} layer problem(s); the rule is in docs/architecture.md`);
      process.exit(1);
    }
    console.log(`layers ok: ${Object.keys(graph).length} files, no back edge, no import cycle`);
  }
}
