/**
 * Training throughput for the benchmark: a few optimisation steps of the real trainer on ML-1M with
 * HSTU's configuration (sequence 200, dim 50, 2 blocks, 1 head, 128 sampled negatives, batch 128),
 * in Node on the training backend (wasm). Reported as s/step, events/s and an estimated s/epoch to
 * set beside PyTorch's 41.7 s/epoch measured on the same machine kind (docs/platform-facts.md).
 */
import { loadDataset } from '../data/registry.ts';
import { leaveOneOutSplit } from '../data/splits.ts';
import { setupTrainingBackend } from '../train/backend.ts';
import { buildBatch } from '../train/batches.ts';
import { DEFAULT_TRAIN_OPTIONS, DecoderTrainer } from '../train/trainer.ts';
import { hstuMl1mConfig } from './train-speed.ts';

/** What one measurement found. */
export interface TrainingThroughput {
  dataset: string;
  backend: string;
  batchSize: number;
  maxLen: number;
  dim: number;
  negatives: number;
  /** Timed steps (after one warm-up step). */
  steps: number;
  secondsPerStep: number;
  eventsPerSecond: number;
  batchesPerEpoch: number;
  secondsPerEpoch: number;
}

/** Measures; returns `{ skipped }` with the reason when ML-1M is not in the data directory. */
export async function measureTrainingThroughput(options: {
  dataDir?: string;
  steps?: number;
  log: (line: string) => void;
}): Promise<TrainingThroughput | { skipped: string }> {
  let dataset;
  try {
    dataset = await loadDataset('ml-1m', options.dataDir ? { dataDir: options.dataDir } : {});
  } catch (error) {
    const reason = `ML-1M not available: ${error instanceof Error ? error.message : String(error)}`;
    options.log(`${reason} -- skipping training throughput (pass --data-dir or set POCKETREC_DATA_DIR)`);
    return { skipped: reason };
  }
  const backend = await setupTrainingBackend();
  const split = leaveOneOutSplit(dataset.sequences);
  const config = hstuMl1mConfig(dataset);
  const trainer = new DecoderTrainer(config, { ...DEFAULT_TRAIN_OPTIONS, log: options.log });
  const users = split.train.filter((s) => s.items.length >= 2);
  const batchSize = DEFAULT_TRAIN_OPTIONS.batchSize;
  const batchesPerEpoch = Math.ceil(users.length / batchSize);
  const steps = options.steps ?? 4;
  let events = 0;
  let seconds = 0;
  for (let step = 0; step <= steps; step++) {
    const batch = buildBatch(
      users.slice((step * batchSize) % users.length, ((step * batchSize) % users.length) + batchSize),
      config,
    );
    const t0 = performance.now();
    trainer.trainStep(batch);
    const elapsed = (performance.now() - t0) / 1000;
    if (step > 0) {
      seconds += elapsed;
      events += batch.events;
    }
    options.log(`training step ${step}${step === 0 ? ' (warm-up)' : ''}: ${elapsed.toFixed(2)} s`);
  }
  trainer.dispose();
  const secondsPerStep = seconds / steps;
  return {
    dataset: dataset.name,
    backend,
    batchSize,
    maxLen: config.maxLen,
    dim: config.dim,
    negatives: DEFAULT_TRAIN_OPTIONS.negatives,
    steps,
    secondsPerStep,
    eventsPerSecond: events / seconds,
    batchesPerEpoch,
    secondsPerEpoch: secondsPerStep * batchesPerEpoch,
  };
}
