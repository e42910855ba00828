#!/usr/bin/env node
// `npm test`: the whole suite, in order, stopping at the first failing stage.
//   1. type-check (tsc --noEmit)
//   2. unit tests in Node (vitest)
//   3. find or install Chromium (scripts/find-browser.mjs), build the test pages (vite build --mode test)
//   4. browser tests in Chromium with WebGPU (Playwright)
// `--only unit` / `--only browser` runs one half. Each stage prints a banner and its wall time.
import { spawnSync } from 'node:child_process';
import { findBrowser } from './find-browser.mjs';

const only = (() => {
  const i = process.argv.indexOf('--only');
  return i >= 0 ? process.argv[i + 1] : undefined;
})();
if (only && only !== 'unit' && only !== 'browser') {
  console.error(`unknown --only value "${only}" (expected unit or browser)`);
  process.exit(2);
}

const summary = [];

function stage(name, command, args, env = {}) {
  const started = Date.now();
  console.log(`\n=== ${name}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const ok = result.status === 0;
  summary.push(`${ok ? 'ok  ' : 'FAIL'} ${name} (${seconds} s)`);
  if (!ok) {
    console.error(`\n=== ${name} FAILED (exit ${result.status ?? result.signal}) after ${seconds} s`);
    printSummary();
    process.exit(result.status || 1);
  }
}

function printSummary() {
  console.log('\n=== summary');
  for (const line of summary) console.log(line);
}

if (only !== 'browser') {
  stage('type-check', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
  stage('unit tests (Node, vitest)', 'npx', ['vitest', 'run']);
}
if (only !== 'unit') {
  let chromiumPath;
  try {
    chromiumPath = await findBrowser();
  } catch (error) {
    console.error(`\n=== browser tests cannot run: ${error.message}`);
    process.exit(1);
  }
  stage('build test pages (vite build --mode test)', 'npx', ['vite', 'build', '--mode', 'test', '--logLevel', 'warn']);
  stage('browser tests (Playwright, Chromium + WebGPU)', 'npx', ['playwright', 'test'], {
    CHROMIUM_PATH: chromiumPath,
  });
}
printSummary();
