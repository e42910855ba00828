/**
 * Regularisation and schedule pieces of the trainer, kept out of trainer.ts: the learning-rate
 * schedule (warm-up + constant / cosine / linear decay over the planned steps), decoupled weight
 * decay (AdamW-style: applied to the weights after the Adam update, not through the gradient, and not
 * to LayerNorm gains / offsets or biases), and the training windows of a user (the last `maxLen`
 * events only, or every event in consecutive `maxLen` windows).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TrainingSequence } from './batches.ts';

/** Learning-rate schedule kinds (`--lr-schedule`). */
export const LR_SCHEDULES = ['constant', 'cosine', 'linear'] as const;
export type LrScheduleKind = (typeof LR_SCHEDULES)[number];

/** What the schedule needs: peak rate, kind, warm-up steps and the planned total steps. */
export interface LrSchedule {
  /** Peak learning rate (reached at the end of warm-up). */
  peak: number;
  kind: LrScheduleKind;
  /** Linear warm-up from peak / warmupSteps to peak over these many steps (0 = none). */
  warmupSteps: number;
  /** Steps the decay spans (warm-up included); past it the rate stays at `peak * minFactor`. */
  totalSteps: number;
  /** Floor of the decay as a fraction of the peak (0 = decays to zero). */
  minFactor: number;
}

/**
 * Learning rate for 0-based optimisation step `step`: warm-up ramps linearly to `peak` over
 * `warmupSteps` (step 0 gets peak / warmupSteps), then constant, or cosine / linear decay from
 * `peak` down to `peak * minFactor` at `totalSteps`.
 */
export function learningRateAt(s: LrSchedule, step: number): number {
  if (s.warmupSteps > 0 && step < s.warmupSteps) return (s.peak * (step + 1)) / s.warmupSteps;
  if (s.kind === 'constant') return s.peak;
  const span = Math.max(1, s.totalSteps - s.warmupSteps);
  const t = Math.min(1, Math.max(0, (step - s.warmupSteps) / span));
  const floor = s.peak * s.minFactor;
  const shape = s.kind === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * t)) : 1 - t;
  return floor + (s.peak - floor) * shape;
}

/** True for variables that weight decay leaves alone: biases and LayerNorm gains / offsets. */
export function isDecayExempt(name: string): boolean {
  return /(^|\.)(bias|gamma|beta)$/.test(name);
}

/**
 * Decoupled weight decay (Loshchilov & Hutter's AdamW): w <- w * (1 - lr * decay) for every variable
 * not exempt (`isDecayExempt`), after the optimiser's update. No-op when `decay` is 0.
 */
export function applyWeightDecay(variables: Map<string, tf.Variable>, learningRate: number, decay: number): void {
  if (decay <= 0) return;
  const factor = 1 - learningRate * decay;
  tf.tidy(() => {
    for (const [name, v] of variables) if (!isDecayExempt(name)) v.assign(tf.mul(v, factor));
  });
}

/** How a user's training sequence becomes samples (`--train-windows`). */
export const TRAIN_WINDOWS = ['last', 'all'] as const;
export type TrainWindows = (typeof TRAIN_WINDOWS)[number];

/**
 * The samples of an epoch. `last`: each sequence as is (the batch builder keeps its last `maxLen`
 * inputs: SASRec's one sample per user). `all`: also the earlier events, as prefixes ending every
 * `maxLen` events back from the end, so every event is an input once per epoch; each prefix keeps
 * one event after its inputs as the target (views of the same arrays, nothing copied). Sequences
 * with fewer than 2 events yield nothing.
 */
export function trainingSamples(sequences: TrainingSequence[], maxLen: number, windows: TrainWindows): TrainingSequence[] {
  const out: TrainingSequence[] = [];
  for (const s of sequences) {
    const n = s.items.length;
    if (n < 2) continue;
    if (windows === 'last') {
      out.push(s);
      continue;
    }
    // Inputs of a prefix of length m are its events max(0, m-1-maxLen) .. m-2; the next prefix ends where those begin.
    for (let m = n; m >= 2; m -= maxLen)
      out.push(
        m === n ? s : { items: s.items.subarray(0, m), outcomes: s.outcomes.subarray(0, m), times: s.times.subarray(0, m) },
      );
  }
  return out;
}
