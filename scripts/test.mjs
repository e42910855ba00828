#!/usr/bin/env node
// `npm test`: the whole suite, in order, stopping at the first failing stage.
//   1. lint (npm run lint: layer/cycle check with its self-test, prettier --check, eslint)
//   2. type-check (tsc -b: the browser project without Node types, the Node project with them)
//   3. unit tests in Node (vitest)
//   4. find or install Chromium (scripts/find-browser.mjs)
//   5. the consumer app (tests/consumer/run.mjs): pack the package, install the tarball offline into
//      a fresh Vite + TypeScript app, its tsc + vite build, Playwright on its vite preview and vite dev
//   6. build the test pages (vite build --mode test), browser tests in Chromium with WebGPU (Playwright)
// `--only unit` / `--only consumer` / `--only browser` runs one part; arguments after `--` go to
// Playwright (e.g. spec files: `npm run test:gpu` is `--only browser -- tests/browser/gpu-regression.spec.ts ...`).
// Each stage prints a banner and its wall time; the last line totals both runners' results.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { findBrowser } from './find-browser.mjs';

const UNIT_REPORT = 'test-results/unit-results.json';
const BROWSER_REPORT = 'test-results/browser-results.json';
const CONSUMER_REPORT = 'test-results/consumer-results.json';

const only = (() => {
  const i = process.argv.indexOf('--only');
  return i >= 0 ? process.argv[i + 1] : undefined;
})();
const separator = process.argv.indexOf('--');
const playwrightArgs = separator >= 0 ? process.argv.slice(separator + 1) : [];
if (only && only !== 'unit' && only !== 'browser' && only !== 'consumer') {
  console.error(`unknown --only value "${only}" (expected unit, consumer or browser)`);
  process.exit(2);
}

const summary = [];
const counts = { passed: 0, failed: 0, skipped: 0 };
mkdirSync('test-results', { recursive: true });
for (const report of [UNIT_REPORT, BROWSER_REPORT, CONSUMER_REPORT]) rmSync(report, { force: true });

/** Adds the pass/fail/skip counts of vitest's and Playwright's JSON reports to `counts`. */
function countResults() {
  if (existsSync(UNIT_REPORT)) {
    const unit = JSON.parse(readFileSync(UNIT_REPORT, 'utf8'));
    counts.passed += unit.numPassedTests ?? 0;
    counts.failed += unit.numFailedTests ?? 0;
    counts.skipped += (unit.numPendingTests ?? 0) + (unit.numTodoTests ?? 0);
  }
  for (const report of [CONSUMER_REPORT, BROWSER_REPORT]) {
    if (!existsSync(report)) continue;
    const stats = JSON.parse(readFileSync(report, 'utf8')).stats ?? {};
    counts.passed += (stats.expected ?? 0) + (stats.flaky ?? 0);
    counts.failed += stats.unexpected ?? 0;
    counts.skipped += stats.skipped ?? 0;
  }
}

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
  countResults();
  console.log('\n=== summary');
  for (const line of summary) console.log(line);
  const skipped = counts.skipped ? `, ${counts.skipped} skipped` : '';
  console.log(`${counts.passed} passed, ${counts.failed} failed${skipped}`);
}

if (!only || only === 'unit') {
  stage('lint (layers, prettier, eslint)', 'npm', ['run', '--silent', 'lint']);
  stage('type-check (npm run typecheck)', 'npm', ['run', '--silent', 'typecheck']);
  stage('unit tests (Node, vitest)', 'npx', [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${UNIT_REPORT}`,
  ]);
}
if (only !== 'unit') {
  let chromiumPath;
  try {
    chromiumPath = await findBrowser();
  } catch (error) {
    console.error(`\n=== browser tests cannot run: ${error.message}`);
    process.exit(1);
  }
  if (!only || only === 'consumer') {
    stage(
      'consumer app (pack, offline install, tsc, vite build, Playwright on preview + dev)',
      'node',
      ['tests/consumer/run.mjs'],
      {
        CHROMIUM_PATH: chromiumPath,
      },
    );
  }
  if (only === 'consumer') {
    printSummary();
    process.exit(0);
  }
  stage('build test pages (vite build --mode test)', 'npx', ['vite', 'build', '--mode', 'test', '--logLevel', 'warn']);
  stage('browser tests (Playwright, Chromium + WebGPU)', 'npx', ['playwright', 'test', ...playwrightArgs], {
    CHROMIUM_PATH: chromiumPath,
  });
}
printSummary();
