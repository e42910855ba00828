/** The recommender's worker: the engine, exposed over comlink (see src/engine/worker-entry.ts). */
import { startEngineWorker } from '../src/engine/worker-entry.ts';

startEngineWorker();
