/**
 * Harness page: creates the parity worker the Vite way and exposes `window.harness` for Playwright.
 * The spec (tests/browser/harness.spec.ts) calls these functions and makes the assertions.
 */
import * as Comlink from 'comlink';
import type { AdapterReport, ParityResult, ParitySpec, ParityWorkerApi } from './parity.worker.ts';

const worker = new Worker(new URL('./parity.worker.ts', import.meta.url), { type: 'module' });
const parityWorker = Comlink.wrap<ParityWorkerApi>(worker);

/** Plain-array form of a ParityResult (typed arrays do not survive page.evaluate). */
export interface ParityRun extends Omit<ParityResult, 'scores' | 'probabilities' | 'topIndices'> {
  scores: number[];
  probabilities: number[];
  topIndices: number[];
}

const harness = {
  adapter: (): Promise<AdapterReport> => parityWorker.adapter(),
  async parity(backend: string, spec: ParitySpec): Promise<ParityRun> {
    const result = await parityWorker.run(backend, spec);
    return {
      ...result,
      scores: Array.from(result.scores),
      probabilities: Array.from(result.probabilities),
      topIndices: Array.from(result.topIndices),
    };
  },
};

declare global {
  interface Window {
    harness: typeof harness;
  }
}
window.harness = harness;
document.getElementById('status')!.textContent = 'ready';
