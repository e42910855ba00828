/**
 * Benchmark page: starts a fresh benchmark worker per (backend, model) and returns its result to
 * scripts/bench.mjs, which drives this page with Playwright. Progress lines go to the page and to
 * the console (the script prints them).
 */
import * as Comlink from 'comlink';
import type { BenchRunConfig, BenchRunResult } from '../../src/bench/browser-bench.ts';
import type { BenchWorkerApi } from '../../workers/bench.worker.ts';

const logElement = document.getElementById('log')!;

function log(line: string): void {
  logElement.textContent += `${line}\n`;
  console.log(`[bench] ${line}`);
}

async function run(config: BenchRunConfig): Promise<BenchRunResult> {
  const worker = new Worker(new URL('../../workers/bench.worker.ts', import.meta.url), { type: 'module' });
  const bench = Comlink.wrap<BenchWorkerApi>(worker);
  try {
    return await bench.run(config, Comlink.proxy(log));
  } finally {
    bench[Comlink.releaseProxy]();
    worker.terminate();
  }
}

/** One cold start in a fresh worker (the driver throttles the network around this call). */
async function coldStart(config: Pick<BenchRunConfig, 'backend' | 'modelUrl'>): Promise<number> {
  const worker = new Worker(new URL('../../workers/bench.worker.ts', import.meta.url), { type: 'module' });
  const bench = Comlink.wrap<BenchWorkerApi>(worker);
  try {
    return await bench.coldStart(config);
  } finally {
    bench[Comlink.releaseProxy]();
    worker.terminate();
  }
}

declare global {
  interface Window {
    bench: { run: typeof run; coldStart: typeof coldStart };
  }
}
window.bench = { run, coldStart };
document.getElementById('status')!.textContent = 'ready';
