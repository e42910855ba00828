/**
 * The measuring half of `npm run bench:train` (scripts/bench-train.ts): times our real training step
 * (`DecoderTrainer.trainStep`, or `trainStepParallel` with one `GradientWorker` for two threads) on
 * real ML-1M batches in the configurations of src/bench/train-speed-report.ts, and profiles it per
 * TF.js kernel. Each timed step includes building its batch from the user sequences, as in training.
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { loadDataset } from '../data/registry.ts';
import { leaveOneOutSplit } from '../data/splits.ts';
import { defaultDecoderConfig, type DecoderConfig } from '../model/decoder.ts';
import { setupTrainingBackend } from '../train/backend.ts';
import { buildBatch, type TrainingSequence } from '../train/batches.ts';
import { GradientWorker } from '../train/parallel.ts';
import { DEFAULT_TRAIN_OPTIONS, DecoderTrainer, type TrainOptions } from '../train/trainer.ts';
import {
  QUALITY_DROPOUT,
  summariseTimes,
  totalKernels,
  type LoadAverage,
  type StepTimes,
  type TrainBenchConfig,
  type TrainWorkload,
  type WorkloadProfile,
} from './train-speed-report.ts';

/** The data every measurement uses: ML-1M's training sequences and HSTU's decoder shape. */
export interface TrainBenchData {
  users: TrainingSequence[];
  config: DecoderConfig;
  backend: string;
  /** The @tensorflow/tfjs-core version. */
  tfjs: string;
}

/**
 * HSTU's ML-1M SASRec shape (sequence 200, d 50, 2 blocks, 1 head), as src/train/step-benchmark.ts and
 * the PyTorch reference script use; every training-speed figure is taken on this config.
 */
export function hstuMl1mConfig(dataset: { catalog: { ids: readonly unknown[] }; outcomes: readonly unknown[] }): DecoderConfig {
  return defaultDecoderConfig({
    itemCount: dataset.catalog.ids.length,
    outcomeCount: dataset.outcomes.length,
    maxLen: 200,
    dim: 50,
    blocks: 2,
    heads: 1,
  });
}

/** Sets up the wasm training backend and loads ML-1M (throws the loader's clear error when it is missing). */
export async function loadTrainBenchData(dataDir?: string): Promise<TrainBenchData> {
  const backend = await setupTrainingBackend();
  const dataset = await loadDataset('ml-1m', dataDir ? { dataDir } : {});
  const split = leaveOneOutSplit(dataset.sequences);
  const config = hstuMl1mConfig(dataset);
  return { users: split.train, config, backend, tfjs: tf.version_core };
}

const currentLoad = (): LoadAverage => loadavg() as LoadAverage;

/** The trainer options of a workload: 128 shared negatives, or the full softmax. */
function trainOptions(workload: TrainWorkload, batchSize: number, workers: number): Omit<TrainOptions, 'log'> {
  return { ...DEFAULT_TRAIN_OPTIONS, batchSize, workers, fullSoftmax: workload !== 'hstu' };
}

/** The decoder config of a workload: HSTU's shape, with `QUALITY_DROPOUT` for `full-dropout`. */
export function workloadConfig(data: TrainBenchData, workload: TrainWorkload): DecoderConfig {
  return workload === 'full-dropout' ? { ...data.config, dropout: QUALITY_DROPOUT } : data.config;
}

/** Step i's users: consecutive slices of the training users, wrapping around. */
function usersOf(data: TrainBenchData, batchSize: number, i: number): TrainingSequence[] {
  const span = Math.max(batchSize, Math.floor(data.users.length / batchSize) * batchSize);
  const start = (i * batchSize) % span;
  return data.users.slice(start, start + batchSize);
}

/**
 * Times `warmup` untimed then `steps` timed steps of one configuration on a fresh trainer (seeded
 * weights), with the load average read just before the first and after the last timed step.
 */
export async function timeTrainStep(
  data: TrainBenchData,
  bench: TrainBenchConfig,
  steps: number,
  warmup: number,
  log: (line: string) => void,
): Promise<StepTimes> {
  const options = trainOptions(bench.workload, bench.batchSize, bench.threads);
  const config = workloadConfig(data, bench.workload);
  const trainer = new DecoderTrainer(config, { ...options, log });
  const worker = bench.threads === 2 ? new GradientWorker(config, options) : null;
  try {
    if (worker) await worker.ready;
    const step = async (i: number): Promise<number> => {
      const t0 = performance.now();
      const users = usersOf(data, bench.batchSize, i);
      let loss: number;
      if (worker) {
        const half = Math.ceil(users.length / 2);
        loss = await trainer.trainStepParallel(
          buildBatch(users.slice(0, half), data.config),
          buildBatch(users.slice(half), data.config),
          worker,
        );
      } else loss = trainer.trainStep(buildBatch(users, data.config));
      if (!Number.isFinite(loss)) throw new Error(`${bench.id}: step ${i} gave a non-finite loss (${loss})`);
      return (performance.now() - t0) / 1000;
    };
    for (let i = 0; i < warmup; i++) log(`${bench.id}: warm-up step ${i + 1}/${warmup}: ${(await step(i)).toFixed(3)} s`);
    const loadBefore = currentLoad();
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      times.push(await step(warmup + i));
      log(`${bench.id}: step ${i + 1}/${steps}: ${times[i]!.toFixed(3)} s`);
    }
    return summariseTimes(times, loadBefore, currentLoad());
  } finally {
    await worker?.close();
    trainer.dispose();
  }
}

/**
 * Per-kernel profile of one workload's single-thread step (`tf.profile` over `steps` steps after one
 * untimed step; the wasm backend times each kernel synchronously). Custom-gradient ops are left out:
 * the kernels they run are counted themselves. Two-thread steps run the same kernels on half a batch
 * per thread, so this one profile stands for both.
 */
export async function profileTrainStep(
  data: TrainBenchData,
  workload: TrainWorkload,
  batchSize: number,
  steps: number,
  log: (line: string) => void,
): Promise<WorkloadProfile> {
  const trainer = new DecoderTrainer(workloadConfig(data, workload), { ...trainOptions(workload, batchSize, 1), log });
  try {
    trainer.trainStep(buildBatch(usersOf(data, batchSize, 0), data.config));
    const batches = Array.from({ length: steps }, (_, i) => buildBatch(usersOf(data, batchSize, i + 1), data.config));
    const t0 = performance.now();
    const info = await tf.profile(() => {
      for (const batch of batches) trainer.trainStep(batch);
    });
    const wallMs = performance.now() - t0;
    // tf.profile also records custom-gradient ops (as "unnamed scope" or their scope's name) with
    // the time of the kernels they run, which are recorded themselves: keep registered kernels only.
    const backend = tf.getBackend();
    const records = info.kernels
      .filter((k) => tf.getKernel(k.name, backend) !== undefined)
      .map((k) => ({ name: k.name, ms: typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0 }));
    const kernels = totalKernels(records);
    return {
      workload,
      batchSize,
      steps,
      wallMs,
      kernelMs: kernels.reduce((s, k) => s + k.totalMs, 0),
      scopesLeftOut: info.kernels.length - records.length,
      kernels,
    };
  } finally {
    trainer.dispose();
  }
}
