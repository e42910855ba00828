#!/usr/bin/env node
// The `pocketrec` command line. It runs the CLI compiled to JavaScript (dist/cli/, built by
// `npm run build:package` and shipped in the npm package), so nothing but Node is needed at run time.
// In a repository checkout whose dist/cli/ is missing or older than src/, it runs the TypeScript
// sources through tsx (a devDependency) instead, so edits take effect without a rebuild.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/cli/cli/main.js', import.meta.url));
const sources = fileURLToPath(new URL('../src/', import.meta.url));

/** Newest modification time (ms) of any file under `dir`. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const useSources = existsSync(sources) && (!existsSync(built) || newest(sources) > statSync(built).mtimeMs);
if (useSources) {
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
}
// Lets Node load TF.js's per-op gradient modules (see the file); registered last, so it runs first.
register('./tfjs-esm-hook.mjs', import.meta.url);
const { main } = useSources ? await import('../src/cli/main.ts') : await import('../dist/cli/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
