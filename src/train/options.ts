/**
 * What the trainer is told (`TrainOptions`, `DEFAULT_TRAIN_OPTIONS`) and what it exchanges with a
 * gradient worker thread. Its own module so that the trainer and the worker side (parallel.ts) both
 * import it and not each other; trainer.ts re-exports everything here.
 */
import type { TrainingBatch } from './batches.ts';
import type { LrScheduleKind, TrainWindows } from './schedule.ts';
import type { RankingTrainOptions } from './ranking-targets.ts';

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
