/**
 * The "Train on your own data" page's worker: the import -> SIDs -> train -> eval -> export pipeline
 * (src/pipeline) on the engine's backend selection (wasm with the training kernels, or WebGPU).
 */
import { selectBackend } from '../src/engine/backend.ts';
import { startTrainingWorker } from '../src/pipeline/worker.ts';

startTrainingWorker({
  selectBackend: async (preference) => {
    const selection = await selectBackend(preference, true);
    const note = selection.fallback ? `${selection.fallback.reason}` : undefined;
    return { backend: selection.backend, ...(note ? { note } : {}) };
  },
});
