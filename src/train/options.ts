/**
 * What the trainer is told (`TrainOptions`, `DEFAULT_TRAIN_OPTIONS`) and what it exchanges with a
 * gradient worker thread. Its own module so that the trainer and the worker side (parallel.ts) both
 * import it and not each other; trainer.ts re-exports everything here.
 */
import type { TrainingBatch } from './batches.ts';
import type { LrScheduleKind, TrainWindows } from './schedule.ts';
import type { RankingTrainOptions } from './ranking-targets.ts';
import type { DecoderConfig } from '../model/decoder.ts';
import type { PrefixMemConfig } from '../model/prefixmem.ts';
import type { SidTable } from '../sid/sid-table.ts';

/** How to train (model shape is `DecoderConfig`). */
export interface TrainOptions {
  epochs: number;
  /** Users per batch (HSTU ML-1M: 128). */
  batchSize: number;
  /** Adam learning rate (HSTU ML-1M: 1e-3). */
  learningRate: number;
  /** Learning-rate schedule after warm-up (src/train/schedule.ts); decays over `epochs` x steps per epoch. */
  lrSchedule: LrScheduleKind;
  /** Linear warm-up steps to `learningRate` (0 = none). */
  warmupSteps: number;
  /** Decoupled (AdamW) weight decay per unit learning rate; biases and LayerNorm exempt (0 = off). */
  weightDecay: number;
  /** `last`: one sample per user (its last maxLen events); `all`: every event, in maxLen windows. */
  trainWindows: TrainWindows;
  /** Uniform random negatives per step, shared by the batch (HSTU ML-1M: 128). */
  negatives: number;
  /** Also draw `negatives` items from the batch's positives (popularity-distributed), logQ-corrected. */
  inBatchNegatives: boolean;
  /** Score against every item instead of sampling (small catalogs). */
  fullSoftmax: boolean;
  seed: number;
  /** Stop after this many epochs without a better validation NDCG@10. */
  patience: number;
  /** Validate every this many epochs (1 = each epoch). */
  validateEvery: number;
  /** Folder for checkpoint.json/.bin (none: no checkpoints). */
  checkpointDir?: string;
  /** Continue from the checkpoint in checkpointDir when one exists. */
  resume: boolean;
  /** Stop after this many seconds of training (0 = no limit); the best model so far is kept. */
  maxSeconds: number;
  /** 2 = split each batch between this thread and a gradient worker thread (src/train/parallel.ts). */
  workers: number;
  /** Also train the UniPinRec ranking head (src/model/ranking-head.ts) with these settings. */
  ranking?: RankingTrainOptions;
  /** Progress lines go here. */
  log: (line: string) => void;
  /**
   * Polled after every step: true = stop now as if the time limit were reached (validate, keep the
   * best model). The CLI sets it on the first Ctrl-C, so a long run can be ended without losing it.
   */
  shouldStop?: () => boolean;
  /**
   * Called after every step with the epoch's running mean loss (the browser's live chart); a returned
   * promise is awaited, which lets a worker's event loop run (e.g. to receive a stop request).
   */
  onStep?: (progress: StepProgress) => void | Promise<void>;
  /** Checkpoint files and the gradient worker (below); Node: `nodeTrainerHost` (node-host.ts). Without it, checkpointDir and workers > 1 throw. */
  host?: TrainerHost;
}

/** Where training stands after a step (`TrainOptions.onStep`). */
export interface StepProgress {
  epoch: number;
  /** Steps of this epoch done, and its total. */
  step: number;
  steps: number;
  /** Mean loss of the epoch's steps so far. */
  loss: number;
  /** Seconds spent in this epoch so far. */
  seconds: number;
}

/** Defaults: HSTU's ML-1M training setup. */
export const DEFAULT_TRAIN_OPTIONS: Omit<TrainOptions, 'log'> = {
  epochs: 100,
  batchSize: 128,
  learningRate: 1e-3,
  lrSchedule: 'constant',
  warmupSteps: 0,
  weightDecay: 0,
  trainWindows: 'last',
  negatives: 128,
  inBatchNegatives: false,
  fullSoftmax: false,
  seed: 42,
  patience: 5,
  validateEvery: 1,
  resume: false,
  maxSeconds: 0,
  workers: 1,
};

/** The negatives of one step: items and, for non-uniform sampling, log expected counts. */
export interface SampledNegatives {
  items: Int32Array;
  logQ: Float32Array | null;
}

/** Computes one shard's gradients elsewhere (a worker thread: src/train/parallel.ts). */
export interface GradientWorkerLike {
  gradients(
    params: Map<string, Float32Array>,
    batch: TrainingBatch,
    negatives: SampledNegatives | null,
  ): Promise<{ loss: number; grads: Map<string, Float32Array> }>;
}

/*
 * The trainer's host: what it needs from where it runs beyond TF.js, a folder for checkpoints and, for
 * `workers: 2`, a gradient worker thread. Node supplies both (`nodeTrainerHost`, node-host.ts); the
 * browser's training worker (src/pipeline) trains without checkpoints on one thread and passes none.
 */
/** A gradient worker the trainer closes when `fit` ends. */
export interface ClosableGradientWorker extends GradientWorkerLike {
  close(): Promise<void>;
}

/** File and thread services for checkpoints and data parallelism (synchronous file calls, as in Node). */
export interface TrainerHost {
  /** `dir/name`. */
  join(dir: string, name: string): string;
  exists(path: string): boolean;
  makeDir(path: string): void;
  readText(path: string): string;
  readBytes(path: string): Uint8Array;
  /** Writes via a temporary and a rename: a reader never sees half a file. */
  writeAtomic(path: string, data: string | Uint8Array): void;
  createGradientWorker(
    config: DecoderConfig,
    options: Omit<TrainOptions, 'log'>,
    itemEncoder?: WorkerItemEncoderSpec,
  ): ClosableGradientWorker;
}

/**
 * What a gradient worker needs to rebuild the trainer's PrefixMem item encoder (`--item-rep sid` or
 * `id+sid`): PrefixMem's shape and the SID table (plain data; the values come with each request).
 */
export interface WorkerItemEncoderSpec {
  prefixMem: PrefixMemConfig;
  table: SidTable;
}
