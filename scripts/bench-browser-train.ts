/**
 * `npm run bench:browser-train`: training in the browser (train.html's worker, wasm) against the Node CLI
 * on the same generic files, settings and seed; and the import of a large log in the browser.
 *
 *   npm run bench:browser-train -- --dataset ml-latest-small [--preset balanced] [--epochs 10] [--backend wasm]
 *   npm run bench:browser-train -- --dataset ml-1m --import-only
 *
 * The page's running mean loss is kept for the first 20 steps; it is compared at every step of epoch 1
 * that the CLI logs (every 10th and the last).
 *
 * Steps: writes the dataset as a generic events.csv (+ items.csv) into a temporary folder; runs
 * `pocketrec train` with the page's settings (`cliArgs`) and `--test`; builds the test pages
 * (`vite build --mode test`, skip with --no-build), serves them with `vite preview`, uploads the same
 * files in Chromium (found or installed as the test command does: scripts/find-browser.mjs) and trains there. Prints one JSON object: the
 * running mean losses at steps 10 and 20 of epoch 1 (Node's log vs the page's), test HR@10 / NDCG@10 of
 * both and the relative gap, training seconds and seconds per step of both and their ratio, the browser's
 * import seconds and the peak resident memory of the browser's processes during the import (Linux /proc;
 * null elsewhere). Times mean something only on an otherwise idle machine.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { findBrowser } from './find-browser.mjs';
import { checkScriptArgs, usageError as usageError_ } from './script-args.ts';
import { loadDataset, REPO_ROOT } from '../src/data/registry.ts';
import { cliArgs, PRESETS, type PipelineSettings, type Preset } from '../src/pipeline/settings.ts';

const USAGE = `Usage: npm run bench:browser-train -- [options]

  --dataset <name>     ml-latest-small (default; shipped) or a dataset of the data directory (ml-1m, ...)
  --preset <p>         fast | balanced (default) | best: the training page's presets
  --epochs <n>         override the preset's epochs
  --seed <n>           override the preset's seed
  --backend <b>        wasm (default) | webgpu | auto
  --port <n>           vite preview port (default $POCKETREC_TEST_PORT or 4199)
  --import-only        only import the log in the browser (time, peak memory, longest frame gap)
  --no-build           reuse dist-test/ instead of running vite build --mode test
  --help               this text`;
const args = checkScriptArgs('bench:browser-train', USAGE, process.argv.slice(2), {
  valued: ['dataset', 'preset', 'epochs', 'seed', 'backend', 'port'],
  flags: ['import-only', 'no-build'],
});
const usageError = (message: string): never => usageError_('bench:browser-train', USAGE, message);
const option = (name: string, fallback?: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const flag = (name: string): boolean => args.includes(`--${name}`);
const numeric = (name: string): number | undefined => {
  const text = option(name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) usageError(`--${name} must be a non-negative integer, got "${text}"`);
  return value;
};
const datasetName = option('dataset', 'ml-latest-small')!;
const presetName = option('preset', 'balanced')!;
if (!Object.hasOwn(PRESETS, presetName)) usageError(`--preset must be one of ${Object.keys(PRESETS).join(', ')}`);
const preset = presetName as Preset;
const settings: PipelineSettings = { ...PRESETS[preset] };
const epochs = numeric('epochs');
if (epochs !== undefined) settings.epochs = epochs;
const seed = numeric('seed');
if (seed !== undefined) settings.seed = seed;
const backend = option('backend', 'wasm')!;
if (!['auto', 'wasm', 'webgpu'].includes(backend)) usageError('--backend must be auto, wasm or webgpu');
const port = numeric('port') ?? Number(process.env.POCKETREC_TEST_PORT ?? '4199');
const importOnly = flag('import-only');

const work = mkdtempSync(join(tmpdir(), 'pocketrec-browser-train-'));
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** The dataset as generic files: events.csv (user,item,...) and, where there is a catalog file, items.csv. */
async function writeGeneric(): Promise<{ events: string; items?: string }> {
  const events = join(work, 'events.csv');
  if (datasetName === 'ml-latest-small') {
    const dir = join(REPO_ROOT, 'data/movielens-latest-small');
    const ratings = gunzipSync(readFileSync(join(dir, 'ratings.csv.gz'))).toString('utf8');
    const movies = gunzipSync(readFileSync(join(dir, 'movies.csv.gz'))).toString('utf8');
    writeFileSync(events, ratings.replace(/^userId,movieId,rating,timestamp/, 'user,item,rating,timestamp'));
    const items = join(work, 'items.csv');
    writeFileSync(items, movies.replace(/^movieId,title,genres/, 'item,title,genres'));
    return { events, items };
  }
  // Any other named dataset: its sequences in file order with their outcome names (order column).
  const dataset = await loadDataset(datasetName);
  const rows = ['user,item,order,outcome'];
  for (const seq of dataset.sequences)
    for (let k = 0; k < seq.items.length; k++)
      rows.push(`${dataset.userIds[seq.user]},${dataset.catalog.ids[seq.items[k]!]},${k},${dataset.outcomes[seq.outcomes[k]!]}`);
  writeFileSync(events, `${rows.join('\n')}\n`);
  return { events };
}

/** Resident memory (bytes) of a process and all its descendants, from /proc; null off Linux. */
function treeRss(root: number): number | null {
  try {
    const parent = new Map<number, number>();
    const rss = new Map<number, number>();
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        parent.set(Number(name), Number(fields[1]));
        rss.set(Number(name), Number(fields[21]) * 4096);
      } catch {
        // the process ended meanwhile
      }
    }
    let total = 0;
    for (const [pid, bytes] of rss) {
      let p: number | undefined = pid;
      while (p !== undefined && p > 1 && p !== root) p = parent.get(p);
      if (p === root) total += bytes;
    }
    return total;
  } catch {
    return null;
  }
}

function nodeRun(files: { events: string; items?: string }): {
  losses: Record<number, number>;
  metrics: Record<string, number>;
  secondsPerStep: number;
} {
  const out = join(work, 'node-model');
  const cli = [
    'bin/pocketrec.mjs',
    'train',
    '--dataset',
    files.events,
    ...(files.items ? ['--items', files.items] : []),
    ...cliArgs(settings),
    '--test',
    '--out',
    out,
  ];
  log(`node ${cli.join(' ')}`);
  const run = spawnSync('node', cli, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`pocketrec train failed (${run.status}): ${run.stderr.slice(-2000)}`);
  const losses: Record<number, number> = {};
  for (const m of run.stderr.matchAll(/epoch 1 step (\d+)\/\d+ loss ([\d.]+)/g)) losses[Number(m[1])] = Number(m[2]);
  const result = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
    metrics: Record<string, number>;
    history: { secondsPerStep: number }[];
  };
  const secondsPerStep = result.history.reduce((s, h) => s + h.secondsPerStep, 0) / Math.max(1, result.history.length);
  return { losses, metrics: result.metrics, secondsPerStep };
}

interface BrowserResult {
  importSeconds: number;
  /** Longest gap between the page's animation frames during the import (a frozen page shows seconds). */
  maxFrameGapMs: number;
  importPeakBytes: number | null;
  baselineBytes: number | null;
  result?: {
    firstLosses: number[];
    test: { name: string; metrics: Record<string, number> }[];
    trainSeconds: number;
    secondsPerStep: number;
    epochsDone: number;
  };
  backend?: string;
}

async function browserRun(files: { events: string; items?: string }): Promise<BrowserResult> {
  if (!flag('no-build')) {
    log('vite build --mode test');
    const build = spawnSync('npx', ['vite', 'build', '--mode', 'test'], { cwd: REPO_ROOT, stdio: 'ignore' });
    if (build.status !== 0) throw new Error('vite build --mode test failed');
  }
  const server = spawn('npx', ['vite', 'preview', '--mode', 'test', '--port', String(port), '--strictPort'], {
    cwd: REPO_ROOT,
    stdio: 'ignore',
    env: { ...process.env, POCKETREC_TEST_PORT: String(port) },
    detached: true,
  });
  try {
    return await trainInBrowser(`http://127.0.0.1:${port}`, files);
  } finally {
    if (server.pid) process.kill(-server.pid);
  }
}

async function trainInBrowser(origin: string, files: { events: string; items?: string }): Promise<BrowserResult> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${origin}/train.html`)).ok) break;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  // A browser server, so the browser's process id is known (its process tree's memory is sampled).
  const browserServer = await chromium.launchServer({
    executablePath: await findBrowser(),
    args: ['--enable-unsafe-webgpu'],
  });
  const browser = await chromium.connect(browserServer.wsEndpoint());
  try {
    const page = await browser.newPage();
    await page.goto(`${origin}/train.html`);
    const pid = browserServer.process().pid;
    const rss = (): number | null => (pid ? treeRss(pid) : null);
    const baselineBytes = rss();
    await page.setInputFiles('#events-file', files.events);
    if (files.items) await page.setInputFiles('#items-file', files.items);
    let peak = baselineBytes ?? 0;
    const sampler = setInterval(() => {
      const now = rss();
      if (now !== null) peak = Math.max(peak, now);
    }, 200);
    // Main-thread responsiveness during the import: the longest gap between animation frames.
    // (A string: tsx would wrap a function's inner names in a helper the page does not have.)
    await page.evaluate(`(() => {
      globalThis.maxFrameGap = 0;
      let last = performance.now();
      const tick = (now) => { globalThis.maxFrameGap = Math.max(globalThis.maxFrameGap, now - last); last = now; requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    await page.click('#import');
    await page.waitForFunction(() => ['imported', 'import-error'].includes(document.body.dataset.train ?? ''), null, {
      timeout: 0,
    });
    clearInterval(sampler);
    const state = await page.evaluate(() => document.body.dataset.train);
    if (state !== 'imported') throw new Error(`browser import failed: ${await page.locator('#import-summary').textContent()}`);
    const importSeconds = Number(await page.evaluate(() => document.body.dataset.importSeconds));
    const maxFrameGapMs = await page.evaluate(() => Math.round((globalThis as unknown as { maxFrameGap: number }).maxFrameGap));
    const out: BrowserResult = {
      importSeconds,
      importPeakBytes: baselineBytes === null ? null : peak,
      baselineBytes,
      maxFrameGapMs,
    };
    if (importOnly) return out;
    await page.locator('#edit-settings summary').click();
    for (const [key, value] of Object.entries(settings)) {
      if (key === 'itemRep') await page.selectOption('#set-itemRep', String(value));
      else if (key === 'inBatch') await page.setChecked('#set-inBatch', value === true);
      else await page.fill(`#set-${key}`, String(value));
    }
    await page.selectOption('#train-backend', backend);
    await page.click('#train');
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.train ?? ''), null, { timeout: 0 });
    out.backend = (await page.locator('#backend-status').textContent()) ?? undefined;
    out.result = (await page.evaluate(
      () => (globalThis as { pocketrecTrainResult?: unknown }).pocketrecTrainResult,
    )) as BrowserResult['result'];
    if (!out.result) throw new Error(`browser training failed: ${await page.locator('#train-status').textContent()}`);
    return out;
  } finally {
    await browser.close();
    await browserServer.close();
  }
}

try {
  const files = await writeGeneric();
  const browser = await browserRun(files);
  const report: Record<string, unknown> = {
    dataset: datasetName,
    settings,
    cli: cliArgs(settings).join(' '),
    browserImportSeconds: browser.importSeconds,
    browserImportMaxFrameGapMs: browser.maxFrameGapMs,
    browserImportPeakMiB: browser.importPeakBytes === null ? null : Math.round(browser.importPeakBytes / 2 ** 20),
    browserBaselineMiB: browser.baselineBytes === null ? null : Math.round(browser.baselineBytes / 2 ** 20),
  };
  if (!importOnly && browser.result) {
    const node = nodeRun(files);
    const b = browser.result;
    const bHr = b.test[0]!.metrics['HR@10']!;
    const nHr = node.metrics['test.HR@10']!;
    Object.assign(report, {
      browserBackend: browser.backend,
      lossesEpoch1: Object.fromEntries(
        Object.keys(node.losses)
          .map(Number)
          .filter((s) => b.firstLosses[s - 1] !== undefined)
          .map((s) => [`step${s}`, { node: node.losses[s], browser: Number(b.firstLosses[s - 1]!.toFixed(4)) }]),
      ),
      testHR10: { node: nHr, browser: bHr, relativeGap: Math.abs(bHr - nHr) / nHr },
      testNDCG10: { node: node.metrics['test.NDCG@10'], browser: b.test[0]!.metrics['NDCG@10'] },
      baselines: b.test.slice(1),
      trainSeconds: { node: node.metrics['train.wallSeconds'], browser: Math.round(b.trainSeconds) },
      secondsPerStep: { node: node.secondsPerStep, browser: b.secondsPerStep, ratio: b.secondsPerStep / node.secondsPerStep },
      epochs: b.epochsDone,
    });
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
