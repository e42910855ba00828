/** Benchmark worker: one backend, one model per worker (see src/bench/browser-bench.ts). */
import { expose } from 'comlink';
import { measureColdStart, runBench, type BenchRunConfig } from '../src/bench/browser-bench.ts';

const api = {
  run: (config: BenchRunConfig, log: (line: string) => void) => runBench(config, log),
  coldStart: (config: Pick<BenchRunConfig, 'backend' | 'modelUrl'>) => measureColdStart(config),
};

/** The benchmark worker's API as the page sees it. */
export type BenchWorkerApi = typeof api;

expose(api);
