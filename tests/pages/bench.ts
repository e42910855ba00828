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

/** Runs `task` against a fresh benchmark worker, then ends the worker. */
async function withBenchWorker<T>(task: (bench: Comlink.Remote<BenchWorkerApi>) => Promise<T>): Promise<T> {
  const worker = new Worker(new URL('../../workers/bench.worker.ts', import.meta.url), { type: 'module' });
  const bench = Comlink.wrap<BenchWorkerApi>(worker);
  try {
    return await task(bench);
  } finally {
    bench[Comlink.releaseProxy]();
    worker.terminate();
  }
}

/** The whole benchmark for one backend and model. */
function run(config: BenchRunConfig): Promise<BenchRunResult> {
  return withBenchWorker((bench) => bench.run(config, Comlink.proxy(log)));
}

/** One cold start (the driver points `modelUrl` at its throttling proxy). */
function coldStart(config: Pick<BenchRunConfig, 'backend' | 'modelUrl'>): Promise<number> {
  return withBenchWorker((bench) => bench.coldStart(config));
}

declare global {
  interface Window {
    bench: { run: typeof run; coldStart: typeof coldStart };
  }
}
window.bench = { run, coldStart };
document.getElementById('status')!.textContent = 'ready';
