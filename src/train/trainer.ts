/**
 * The decoder trainer: Adam over sampled-softmax window losses, one pass over every user per epoch,
 * validation after each epoch with early stopping, resumable checkpoints written atomically, and
 * deterministic seeds (shuffles, negatives and initial weights all come from `seed`).
 *
 * Runs in Node and in a browser worker: checkpoint files and the gradient worker thread come from
 * `options.host` (options.ts; Node: node-host.ts). The model code it drives is the browser's (src/model/decoder.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import './tf-training.ts'; // gradients of the stock ops
import { Decoder, initDecoderParams, type DecoderConfig, type ItemEncoder, type LayerCache } from '../model/decoder.ts';
import { packTensors, readTensorValues } from '../model/weights-io.ts';
import { PrefixMemItemEncoder } from '../model/prefixmem-items.ts';
import type { TensorEntry } from '../model/manifest.ts';
import { buildBatch, type TrainingBatch, type TrainingSequence } from './batches.ts';
import { fullSoftmaxWindowLoss, sampledSoftmaxWindowLoss } from './losses.ts';
import { applyWeightDecay, learningRateAt, trainingSamples, type LrSchedule } from './schedule.ts';
import type { ClosableGradientWorker, TrainerHost } from './options.ts';
import type { SidHeadObjective } from './sid-loss.ts';
import { MULBERRY32_INCREMENT, mulberry32Output } from '../util/rng.ts';
import { sha256Hex } from '../util/sha256.ts';
import type { GradientWorkerLike, SampledNegatives, TrainOptions } from './options.ts';
import { initRankingParams, rankingLoss, RankingHead, type RankingTargets } from '../model/ranking-head.ts';
import { addHardNegatives, buildRankingTargets } from './ranking-targets.ts';

export { DEFAULT_TRAIN_OPTIONS, type GradientWorkerLike, type SampledNegatives, type TrainOptions } from './options.ts';

/** A checkpoint that cannot be used (missing, truncated, corrupt, or for another model): the message names the file and what to do. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Training produced a non-finite loss: stopped before anything was saved or exported from it. */
export class TrainingDivergedError extends Error {
  override name = 'TrainingDivergedError';
}

/** Validation metrics for one epoch (at least `NDCG@10`, used for early stopping). */
export type Metrics = Record<string, number>;

/** One epoch's record. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  seconds: number;
  secondsPerStep: number;
  eventsPerSecond: number;
  validation?: Metrics;
}

/** What `fit` returns. */
export interface TrainResult {
  /** Completed epochs only (a partial epoch is in `stoppedAt`). */
  history: EpochRecord[];
  /** Completed epochs, including those of the run resumed from. */
  epochsDone: number;
  /** Set when training stopped inside an epoch: that epoch and the steps of it done (not counted in epochsDone). */
  stoppedAt?: { epoch: number; step: number; steps: number };
  /** Epoch of the best validation; with `bestStep` when that was a partial epoch's validation at a stop. */
  bestEpoch: number;
  bestStep?: number;
  bestValidation?: Metrics;
  wallSeconds: number;
}

/** Where a stopped epoch stands: enough to continue it exactly (saved in the checkpoint). */
interface PartialEpoch {
  epoch: number;
  /** Steps of the epoch done, and its total. */
  step: number;
  steps: number;
  /** Generator state before the epoch's shuffle (to rebuild the same batches) and now. */
  epochRngState: number;
  rngState: number;
  lossSum: number;
  lossSteps: number;
  events: number;
  seconds: number;
}

/** checkpoint.json. */
interface CheckpointHeader {
  epochsDone: number;
  /** A stopped epoch's position (absent/null: the checkpoint is at an epoch boundary). */
  partial?: PartialEpoch | null;
  rngState: number;
  /** Optimisation steps taken (the learning-rate schedule's position; absent in older checkpoints: 0). */
  optimizerStep?: number;
  best: { epoch: number; step?: number; metric: number; validation?: Metrics } | null;
  history: EpochRecord[];
  config: DecoderConfig;
  /** Byte size and sha256 of checkpoint.bin (absent in checkpoints of older versions). */
  bin?: { bytes: number; sha256: string };
  entries: TensorEntry[];
}

const formatMetrics = (m: Metrics): string =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join(' ');

/** A small seeded generator (mulberry32, src/util/rng.ts) whose raw state is public, so checkpoints can save and restore it. */
export class TrainRng {
  constructor(public state: number) {}
  next(): number {
    this.state = (this.state + MULBERRY32_INCREMENT) >>> 0;
    return mulberry32Output(this.state);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [xs[i], xs[j]] = [xs[j]!, xs[i]!];
    }
    return xs;
  }
}

/** Trains one decoder. Owns its variables and optimizer; call `dispose()` when done. */
export class DecoderTrainer {
  readonly params: Map<string, tf.Variable>;
  readonly decoder: Decoder;
  readonly optimizer: tf.AdamOptimizer;
  readonly rng: TrainRng;
  private epochsDone = 0;
  private partial: PartialEpoch | null = null;
  private best: {
    epoch: number;
    step?: number;
    metric: number;
    values: Map<string, Float32Array>;
    validation?: Metrics;
  } | null = null;
  private history: EpochRecord[] = [];
  /** Optimisation steps taken so far (checkpointed): the learning-rate schedule's position. */
  private optimizerStep = 0;
  /** Steps the schedule's decay spans: epochs x steps per epoch, set by `fit` (1 before). */
  private plannedSteps = 1;
  /** The ranking head and its per-batch targets, when `options.ranking` is set. */
  readonly ranking?: { head: RankingHead; targets: WeakMap<TrainingBatch, RankingTargets> };

  constructor(
    readonly config: DecoderConfig,
    readonly options: TrainOptions,
    readonly itemEncoder?: ItemEncoder,
    /** The SID head's multi-task objective (`--sid-head`), src/train/sid-loss.ts. */
    readonly sidHead?: SidHeadObjective,
  ) {
    this.params = initDecoderParams(config, options.seed);
    if (options.ranking) for (const [n, v] of initRankingParams(config, options.ranking, options.seed)) this.params.set(n, v);
    const all = new Map<string, tf.Tensor>(this.params);
    this.decoder = new Decoder(config, all, itemEncoder);
    if (options.ranking) this.ranking = { head: new RankingHead(this.decoder, all, options.ranking), targets: new WeakMap() };
    this.optimizer = tf.train.adam(options.learningRate, 0.9, 0.98);
    this.rng = new TrainRng(options.seed ^ 0x5bd1e995);
  }

  /** File and thread services (options.host); checkpoints and workers > 1 need them. */
  private host(what: string): TrainerHost {
    if (!this.options.host)
      throw new CheckpointError(`${what} needs a trainer host (Node: nodeTrainerHost from src/train/node-host.ts)`);
    return this.options.host;
  }

  /** Every trainable variable: the decoder's plus the item encoder's (PrefixMem), by artifact name. */
  trainableVariables(): Map<string, tf.Variable> {
    const vars = new Map<string, tf.Variable>(this.params);
    if (this.itemEncoder && this.config.usePrefixMem)
      for (const [n, v] of this.itemEncoder.namedVariables()) vars.set(`prefixmem.${n}`, v);
    if (this.sidHead) for (const [n, v] of this.sidHead.variables) vars.set(n, v);
    return vars;
  }

  /**
   * Draws this step's negatives: `negatives` uniform items, plus (in-batch mode) as many items drawn
   * from the batch's positive slots, i.e. by in-batch popularity. logQ_j = log E[times j is drawn]
   * = log(K / I + K * c_j / P), c_j = j's positive count in the batch, P = all positive slots.
   */
  private sampleNegatives(batches: TrainingBatch[]): SampledNegatives {
    const I = this.config.itemCount;
    const K = this.options.negatives;
    const uniform = Array.from({ length: K }, () => this.rng.int(I));
    if (!this.options.inBatchNegatives) return { items: Int32Array.from(uniform), logQ: null };
    const slots: number[] = [];
    const counts = new Map<number, number>();
    for (const batch of batches) {
      for (let i = 0; i < batch.positives.length; i++) {
        if (!batch.positiveMask[i]) continue;
        slots.push(batch.positives[i]!);
        counts.set(batch.positives[i]!, (counts.get(batch.positives[i]!) ?? 0) + 1);
      }
    }
    const inBatch = Array.from({ length: K }, () => slots[this.rng.int(slots.length)]!);
    const items = Int32Array.from([...uniform, ...inBatch]);
    const logQ = Float32Array.from(items, (j) => Math.log(K / I + (K * (counts.get(j) ?? 0)) / slots.length));
    return { items, logQ };
  }

  /**
   * The batch's mean loss as a function of the current variables (for minimize / variableGrads).
   * `negatives` null = full softmax.
   */
  lossFunction(batch: TrainingBatch, negatives: SampledNegatives | null): () => tf.Scalar {
    // Candidate items of this step (positives + negatives), deduplicated: embed each once.
    const local = new Map<number, number>();
    const localOf = (item: number): number => {
      let k = local.get(item);
      if (k === undefined) local.set(item, (k = local.size));
      return k;
    };
    const posLocal = Int32Array.from(batch.positives, localOf);
    const negLocal = negatives ? Int32Array.from(negatives.items, localOf) : null;
    const candidates = Int32Array.from(local.keys());
    const N = batch.queryCount;
    const W = batch.window;
    const ranking = this.ranking?.targets.get(batch);
    const withRanking = (loss: tf.Scalar, caches: LayerCache[]): tf.Scalar => {
      if (!ranking || ranking.items.length === 0 || !this.ranking) return loss;
      const t = batch.tokens;
      const r = rankingLoss(this.ranking.head, caches, t.batch, t.length, t.valid, ranking);
      return tf.add(loss, tf.mul(r, this.options.ranking!.weight));
    };
    return () => {
      const states = this.decoder.forwardStates(batch.tokens, true);
      const hidden = states.hidden; // [B*L, d]
      const h = tf.gather(hidden, tf.tensor1d(batch.querySlots, 'int32')) as tf.Tensor2D; // [N, d]
      const queries = this.decoder.queries(
        h,
        tf.tensor1d(batch.queryOutcomes, 'int32'),
        tf.tensor1d(batch.queryHorizons, 'int32'),
      ); // [N, d]
      const mask = tf.tensor2d(batch.positiveMask, [N, W]); // [N, W]
      const extra = this.sidHead?.loss(queries, batch); // the SID head's multi-task term
      const withExtra = (loss: tf.Scalar): tf.Scalar => (extra ? tf.add(loss, extra) : loss);
      const temperature = this.config.temperature;
      if (!negatives) {
        const table = this.decoder.retrievalTable(); // [I, d]
        const positives = tf.reshape(tf.gather(table, tf.tensor1d(batch.positives, 'int32')), [N, W, -1]) as tf.Tensor3D; // [N, W, d]
        return withRanking(
          withExtra(fullSoftmaxWindowLoss({ queries, table, positives, positiveMask: mask, temperature })),
          states.caches,
        );
      }
      const emb = this.decoder.retrievalEmbeddings(tf.tensor1d(candidates, 'int32')); // [U, d]
      const positives = tf.reshape(tf.gather(emb, tf.tensor1d(posLocal, 'int32')), [N, W, -1]) as tf.Tensor3D; // [N, W, d]
      const negs = tf.gather(emb, tf.tensor1d(negLocal!, 'int32')) as tf.Tensor2D; // [K, d]
      let positiveLogQ: tf.Tensor2D | null = null;
      let negativeLogQ: tf.Tensor1D | null = null;
      if (negatives.logQ) {
        const q = new Map<number, number>();
        negatives.items.forEach((item, i) => q.set(item, negatives.logQ![i]!));
        positiveLogQ = tf.tensor2d(
          Float32Array.from(batch.positives, (p) => q.get(p) ?? 0),
          [N, W],
        );
        negativeLogQ = tf.tensor1d(negatives.logQ);
      }
      return withRanking(
        withExtra(
          sampledSoftmaxWindowLoss({
            queries,
            positives,
            positiveMask: mask,
            negatives: negs,
            positiveLogQ,
            negativeLogQ,
            temperature,
          }),
        ),
        states.caches,
      );
    };
  }

  /** The ranking head's targets for a batch (hard negatives from the current model with `ranking.hard`). */
  private rankingTargets(users: TrainingSequence[], batch: TrainingBatch): RankingTargets {
    const o = this.options.ranking!;
    const targets = buildRankingTargets(users, batch, this.config, o, this.rng);
    if (o.hard) addHardNegatives(this.decoder, batch, targets, o.hard, this.rng);
    return targets;
  }

  /** One optimisation step on a batch; returns the loss. */
  trainStep(batch: TrainingBatch): number {
    if (batch.queryCount === 0) return Number.NaN;
    const negatives = this.options.fullSoftmax ? null : this.sampleNegatives([batch]);
    const vars = [...this.trainableVariables().values()];
    const lr = this.beginStep();
    const lossTensor = this.optimizer.minimize(this.lossFunction(batch, negatives), true, vars);
    this.endStep(lr);
    const loss = lossTensor!.dataSync()[0]!;
    lossTensor!.dispose();
    return loss;
  }

  /** The learning-rate schedule of these options over `plannedSteps` (src/train/schedule.ts). */
  schedule(): LrSchedule {
    const o = this.options;
    return { peak: o.learningRate, kind: o.lrSchedule, warmupSteps: o.warmupSteps, totalSteps: this.plannedSteps, minFactor: 0 };
  }

  /** Optimisation steps taken so far (the schedule's position). */
  get stepsTaken(): number {
    return this.optimizerStep;
  }

  /** Sets this step's learning rate on the optimiser (TF.js' Adam reads the field on every update); returns it. */
  private beginStep(): number {
    const lr = learningRateAt(this.schedule(), this.optimizerStep);
    (this.optimizer as unknown as { learningRate: number }).learningRate = lr;
    return lr;
  }

  /** After the optimiser's update: decoupled weight decay at this step's rate, then the step count. */
  private endStep(lr: number): void {
    applyWeightDecay(this.trainableVariables(), lr, this.options.weightDecay);
    this.optimizerStep++;
  }

  /** Loss and gradients (host copies, by artifact name) of one batch: one data-parallel shard. */
  gradients(batch: TrainingBatch, negatives: SampledNegatives | null): { loss: number; grads: Map<string, Float32Array> } {
    const named = this.trainableVariables();
    const byVariable = new Map<string, string>([...named].map(([n, v]) => [v.name, n]));
    const { value, grads } = tf.variableGrads(this.lossFunction(batch, negatives), [...named.values()]);
    const out = new Map<string, Float32Array>();
    for (const [variableName, g] of Object.entries(grads)) out.set(byVariable.get(variableName)!, g.dataSync() as Float32Array);
    const loss = value.dataSync()[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    return { loss, grads: out };
  }

  /**
   * One step over two shards computed in parallel (this thread + a gradient worker), gradients
   * averaged by query count: the same update as one step on the union batch with the same negatives.
   */
  async trainStepParallel(a: TrainingBatch, b: TrainingBatch, worker: GradientWorkerLike): Promise<number> {
    if (a.queryCount + b.queryCount === 0) return Number.NaN;
    const negatives = this.options.fullSoftmax ? null : this.sampleNegatives([a, b]);
    const params = new Map<string, Float32Array>();
    for (const [n, v] of this.trainableVariables()) params.set(n, v.dataSync() as Float32Array);
    const remote = b.queryCount > 0 ? worker.gradients(params, b, negatives) : Promise.resolve(null);
    const local = a.queryCount > 0 ? this.gradients(a, negatives) : null;
    const other = await remote;
    const na = a.queryCount;
    const nb = b.queryCount;
    const named = this.trainableVariables();
    const averaged: { name: string; tensor: tf.Tensor }[] = [];
    for (const [n, v] of named) {
      const ga = local?.grads.get(n);
      const gb = other?.grads.get(n);
      const sum = new Float32Array(v.size);
      for (let i = 0; i < sum.length; i++) sum[i] = ((ga ? ga[i]! * na : 0) + (gb ? gb[i]! * nb : 0)) / (na + nb);
      averaged.push({ name: v.name, tensor: tf.tensor(sum, v.shape) });
    }
    const lr = this.beginStep();
    this.optimizer.applyGradients(averaged);
    this.endStep(lr);
    tf.dispose(averaged.map((g) => g.tensor));
    return ((local?.loss ?? 0) * na + (other?.loss ?? 0) * nb) / (na + nb);
  }

  /** Splits the users into shuffled batches for one epoch. */
  private epochBatches(sequences: TrainingSequence[]): TrainingSequence[][] {
    const samples = trainingSamples(sequences, this.config.maxLen, this.options.trainWindows);
    const order = this.rng.shuffle(samples.map((_, i) => i));
    const batches: TrainingSequence[][] = [];
    for (let i = 0; i < order.length; i += this.options.batchSize)
      batches.push(order.slice(i, i + this.options.batchSize).map((j) => samples[j]!));
    return batches;
  }

  /**
   * Trains for up to `epochs`, validating with `validate` (must return `NDCG@10`) and stopping early.
   * At the end the best validated weights are restored into the variables. A stop inside an epoch (time
   * limit, `shouldStop`) validates and checkpoints the step within the epoch; `--resume` continues from
   * that step, so the resumed run reaches exactly the weights of an uninterrupted one. A non-finite loss
   * throws TrainingDivergedError before anything of that epoch is saved.
   */
  async fit(sequences: TrainingSequence[], validate: (decoder: Decoder) => Promise<Metrics>): Promise<TrainResult> {
    const o = this.options;
    const start = performance.now();
    const perEpoch = Math.ceil(trainingSamples(sequences, this.config.maxLen, o.trainWindows).length / o.batchSize);
    this.plannedSteps = Math.max(1, o.epochs * perEpoch);
    if (o.resume) {
      if (!o.checkpointDir) throw new CheckpointError('resume needs a checkpoint folder');
      const { exists, join } = this.host('--resume');
      if (!exists(join(o.checkpointDir, 'checkpoint.json')))
        throw new CheckpointError(
          exists(o.checkpointDir)
            ? `--resume: ${join(o.checkpointDir, 'checkpoint.json')} does not exist (no checkpoint was written there yet); run without --resume to start from scratch`
            : `--resume: the checkpoint folder ${o.checkpointDir} does not exist; check the path, or run without --resume to start from scratch`,
        );
      await this.loadCheckpoint(o.checkpointDir);
      o.log(
        this.partial
          ? `resumed from ${o.checkpointDir} in epoch ${this.partial.epoch} after step ${this.partial.step}`
          : `resumed from ${o.checkpointDir} after epoch ${this.epochsDone}`,
      );
    }
    const sinceBest = this.best ? Math.max(0, this.epochsDone - this.best.epoch) : 0;
    // A PrefixMem item encoder is rebuilt in the worker from its config and SID table.
    const encoderSpec =
      this.itemEncoder instanceof PrefixMemItemEncoder
        ? { prefixMem: this.itemEncoder.prefixMem.config, table: this.itemEncoder.table }
        : undefined;
    if (o.workers > 1 && this.itemEncoder && !encoderSpec)
      throw new Error('--workers 2 supports the PrefixMem item encoder only');
    if (o.workers > 1 && this.ranking) throw new Error('--workers 2 does not support the ranking head yet');
    const worker =
      o.workers > 1
        ? this.host('--workers 2').createGradientWorker(
            this.config,
            {
              ...o,
              log: undefined,
              onStep: undefined,
              host: undefined,
            } as Omit<TrainOptions, 'log'>,
            encoderSpec,
          )
        : null;
    try {
      return await this.fitLoop(sequences, validate, worker, start, sinceBest);
    } finally {
      await worker?.close();
    }
  }

  private async fitLoop(
    sequences: TrainingSequence[],
    validate: (decoder: Decoder) => Promise<Metrics>,
    worker: ClosableGradientWorker | null,
    start: number,
    sinceBestAtStart: number,
  ): Promise<TrainResult> {
    const o = this.options;
    const outOfTime = (): boolean => o.maxSeconds > 0 && (performance.now() - start) / 1000 > o.maxSeconds;
    let sinceBest = sinceBestAtStart;
    let stoppedAt: TrainResult['stoppedAt'];
    while (this.epochsDone < o.epochs) {
      const epoch = this.epochsDone + 1;
      const t0 = performance.now();
      // A resumed partial epoch replays its shuffle from the saved generator state, then skips the done steps.
      const resumed = this.partial?.epoch === epoch ? this.partial : null;
      this.partial = null;
      const epochRngState = resumed ? resumed.epochRngState : this.rng.state;
      this.rng.state = epochRngState;
      const batches = this.epochBatches(sequences);
      if (resumed) this.rng.state = resumed.rngState;
      let lossSum = resumed?.lossSum ?? 0;
      let steps = resumed?.lossSteps ?? 0;
      let events = resumed?.events ?? 0;
      const secondsBefore = resumed?.seconds ?? 0;
      let done = resumed?.step ?? 0;
      let interrupted = false;
      while (done < batches.length) {
        const users = batches[done]!;
        let loss: number;
        let batch: TrainingBatch;
        let queries: number;
        if (worker) {
          const half = Math.ceil(users.length / 2);
          batch = buildBatch(users.slice(0, half), this.config);
          const other = buildBatch(users.slice(half), this.config);
          queries = batch.queryCount + other.queryCount;
          loss = await this.trainStepParallel(batch, other, worker);
          events += other.events;
        } else {
          batch = buildBatch(users, this.config);
          if (this.ranking) this.ranking.targets.set(batch, this.rankingTargets(users, batch));
          queries = batch.queryCount;
          loss = this.trainStep(batch);
        }
        done++;
        if (queries > 0 && !Number.isFinite(loss))
          throw new TrainingDivergedError(
            `epoch ${epoch} step ${done}/${batches.length}: the loss is ${loss}; training stopped and nothing of this epoch was saved or exported. ` +
              `Lower --lr (now ${o.learningRate})${o.checkpointDir ? `, or --resume from ${o.checkpointDir} (epoch ${this.epochsDone})` : ''}.`,
          );
        if (queries > 0) {
          lossSum += loss;
          steps++;
        }
        events += batch.events;
        await o.onStep?.({
          epoch,
          step: done,
          steps: batches.length,
          loss: lossSum / Math.max(1, steps),
          seconds: secondsBefore + (performance.now() - t0) / 1000,
        });
        if (done % 10 === 0 || done === batches.length) {
          const s = secondsBefore + (performance.now() - t0) / 1000;
          o.log(
            `epoch ${epoch} step ${done}/${batches.length} loss ${(lossSum / Math.max(1, steps)).toFixed(4)} ${(s / Math.max(1, done)).toFixed(2)} s/step ${(events / s).toFixed(0)} events/s`,
          );
        }
        if (done < batches.length && (outOfTime() || o.shouldStop?.())) {
          interrupted = true;
          break;
        }
      }
      const seconds = secondsBefore + (performance.now() - t0) / 1000;
      const stopRequested = o.shouldStop?.() ?? false;
      const timeUp = outOfTime() || stopRequested;
      if (interrupted) {
        // The epoch is NOT done: keep its step, generator states and running sums for --resume.
        this.partial = {
          epoch,
          step: done,
          steps: batches.length,
          epochRngState,
          rngState: this.rng.state,
          lossSum,
          lossSteps: steps,
          events,
          seconds,
        };
        stoppedAt = { epoch, step: done, steps: batches.length };
        const validation = await validate(this.decoder);
        const metric = validation['NDCG@10'] ?? Number.NaN;
        o.log(
          `epoch ${epoch} stopped after step ${done}/${batches.length} (not counted as done): validation ${formatMetrics(validation)}`,
        );
        if (!this.best || metric > this.best.metric)
          this.best = { epoch, step: done, metric, values: this.snapshot(), validation };
        if (o.checkpointDir) await this.saveCheckpoint(o.checkpointDir);
        o.log(stopRequested ? 'stopped on request; keeping the best model so far' : `time limit of ${o.maxSeconds} s reached`);
        break;
      }
      const record: EpochRecord = {
        epoch,
        loss: lossSum / Math.max(1, steps),
        seconds,
        secondsPerStep: seconds / Math.max(1, batches.length),
        eventsPerSecond: events / seconds,
      };
      this.epochsDone = epoch;
      if (epoch % o.validateEvery === 0 || epoch === o.epochs || timeUp) {
        const tv = performance.now();
        record.validation = await validate(this.decoder);
        const metric = record.validation['NDCG@10'] ?? Number.NaN;
        o.log(
          `epoch ${epoch} done: loss ${record.loss.toFixed(4)}, ${seconds.toFixed(1)} s (${record.secondsPerStep.toFixed(2)} s/step), validation ${formatMetrics(record.validation)} (${((performance.now() - tv) / 1000).toFixed(1)} s)`,
        );
        if (!this.best || metric > this.best.metric) {
          this.best = { epoch, metric, values: this.snapshot(), validation: record.validation };
          sinceBest = 0;
        } else {
          sinceBest += o.validateEvery;
        }
      } else {
        o.log(
          `epoch ${epoch} done: loss ${record.loss.toFixed(4)}, ${seconds.toFixed(1)} s (${record.secondsPerStep.toFixed(2)} s/step)`,
        );
      }
      this.history.push(record);
      if (o.checkpointDir) await this.saveCheckpoint(o.checkpointDir);
      if (sinceBest >= o.patience) {
        o.log(`early stop: no better validation NDCG@10 for ${sinceBest} epochs (best epoch ${this.best?.epoch})`);
        break;
      }
      if (timeUp) {
        o.log(stopRequested ? 'stopped on request; keeping the best model so far' : `time limit of ${o.maxSeconds} s reached`);
        break;
      }
    }
    if (this.best) this.restore(this.best.values);
    return {
      history: this.history,
      epochsDone: this.epochsDone,
      ...(stoppedAt ? { stoppedAt } : {}),
      bestEpoch: this.best?.epoch ?? this.epochsDone,
      ...(this.best?.step !== undefined ? { bestStep: this.best.step } : {}),
      bestValidation: this.best?.validation,
      wallSeconds: (performance.now() - start) / 1000,
    };
  }

  /** Host copies of every trainable variable. */
  snapshot(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const [n, v] of this.trainableVariables()) out.set(n, v.dataSync() as Float32Array);
    return out;
  }

  private restore(values: Map<string, Float32Array>): void {
    for (const [n, v] of this.trainableVariables()) {
      const value = values.get(n);
      if (value) tf.tidy(() => v.assign(tf.tensor(value, v.shape)));
    }
  }

  /**
   * Writes checkpoint.bin then checkpoint.json, each via tmp + rename (never half-written). The JSON
   * records the completed epochs, the step within a stopped epoch, and the byte size and sha256 of the
   * .bin, which `loadCheckpoint` verifies.
   */
  async saveCheckpoint(dir: string): Promise<void> {
    const { makeDir, writeAtomic, join } = this.host('a checkpoint');
    makeDir(dir);
    const tensors = [...this.trainableVariables()].map(([name, v]) => ({
      name: `param.${name}`,
      shape: v.shape,
      data: v.dataSync() as Float32Array,
    }));
    if (this.best)
      for (const [name, data] of this.best.values)
        tensors.push({ name: `best.${name}`, shape: this.trainableVariables().get(name)?.shape ?? [data.length], data });
    const optimizerWeights = await this.optimizer.getWeights();
    // TF.js' Adam keeps its bias-correction powers (beta^t) outside getWeights and, on setWeights,
    // recomputes them from an iteration count it never increments: save and restore them ourselves.
    const betaPowers = this.adamBetaPowers();
    if (betaPowers)
      tensors.push({
        name: 'adam_beta_powers',
        shape: [2],
        data: Float32Array.from([betaPowers[0].dataSync()[0]!, betaPowers[1].dataSync()[0]!]),
      });
    optimizerWeights.forEach((w, i) =>
      tensors.push({ name: `adam.${i}`, shape: w.tensor.shape, data: w.tensor.dataSync() as Float32Array }),
    );
    const { entries, bytes } = packTensors(tensors);
    const header: CheckpointHeader = {
      epochsDone: this.epochsDone,
      partial: this.partial,
      rngState: this.rng.state,
      optimizerStep: this.optimizerStep,
      best: this.best
        ? {
            epoch: this.best.epoch,
            ...(this.best.step !== undefined ? { step: this.best.step } : {}),
            metric: this.best.metric,
            validation: this.best.validation,
          }
        : null,
      history: this.history,
      config: this.config,
      bin: { bytes: bytes.byteLength, sha256: await sha256Hex(bytes) },
      entries,
    };
    writeAtomic(join(dir, 'checkpoint.bin'), bytes);
    writeAtomic(join(dir, 'checkpoint.json'), JSON.stringify(header));
  }

  /**
   * Restores variables, optimizer moments, rng, history, best weights and a stopped epoch's position from a
   * checkpoint. Throws CheckpointError (naming the file and what to do) when the JSON is unreadable, the
   * .bin's size or sha256 differ from the JSON's record, a value is not finite, or the model config differs.
   */
  async loadCheckpoint(dir: string): Promise<void> {
    const { exists, join, readText, readBytes } = this.host('a checkpoint');
    const jsonPath = join(dir, 'checkpoint.json');
    const binPath = join(dir, 'checkpoint.bin');
    const fix = `delete ${dir} (or point --checkpoint elsewhere) and train without --resume`;
    let header: CheckpointHeader;
    try {
      header = JSON.parse(readText(jsonPath)) as CheckpointHeader;
      if (typeof header !== 'object' || header === null || !Array.isArray(header.entries) || !Number.isInteger(header.epochsDone))
        throw new Error('not a pocketrec checkpoint header');
    } catch (error) {
      throw new CheckpointError(`checkpoint ${jsonPath} is unreadable (${(error as Error).message}); ${fix}`);
    }
    if (JSON.stringify(header.config) !== JSON.stringify(this.config))
      throw new CheckpointError(
        `checkpoint ${jsonPath} was trained with a different model config; train with the same options, or ${fix}`,
      );
    if (!exists(binPath)) throw new CheckpointError(`checkpoint ${binPath} is missing; ${fix}`);
    const file = readBytes(binPath);
    if (header.bin) {
      if (file.byteLength !== header.bin.bytes)
        throw new CheckpointError(
          `checkpoint ${binPath} has ${file.byteLength} bytes, checkpoint.json says ${header.bin.bytes}; ${fix}`,
        );
      const sha = await sha256Hex(file);
      if (sha !== header.bin.sha256)
        throw new CheckpointError(`checkpoint ${binPath} is corrupt (sha256 ${sha} does not match checkpoint.json); ${fix}`);
    } else {
      this.options.log(`warning: checkpoint ${binPath} predates size/sha256 records; checking its values only`);
    }
    const buffer = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
    const byName = new Map(header.entries.map((e) => [e.name, e]));
    const read = (e: TensorEntry): Float32Array => {
      let values: Float32Array;
      try {
        values = readTensorValues(e, buffer) as Float32Array;
      } catch (error) {
        throw new CheckpointError(`checkpoint ${binPath}: ${(error as Error).message}; ${fix}`);
      }
      for (const v of values)
        if (!Number.isFinite(v)) throw new CheckpointError(`checkpoint ${binPath}: ${e.name} holds non-finite values; ${fix}`);
      return values;
    };
    const values = (prefix: string) => {
      const out = new Map<string, Float32Array>();
      for (const e of header.entries) if (e.name.startsWith(prefix)) out.set(e.name.slice(prefix.length), read(e));
      return out;
    };
    const params = values('param.');
    for (const name of this.trainableVariables().keys())
      if (!params.has(name)) throw new CheckpointError(`checkpoint ${binPath} has no values for ${name}; ${fix}`);
    const best = header.best ? values('best.') : null;
    const adam = header.entries
      .filter((e) => e.name.startsWith('adam.'))
      .sort((a, b) => Number(a.name.slice(5)) - Number(b.name.slice(5)));
    const adamValues = adam.map((e) => read(e));
    const powers = byName.get('adam_beta_powers');
    const powerValues = powers ? read(powers) : null;
    // Everything read and checked: only now touch the trainer's state.
    this.restore(params);
    if (adam.length > 0) {
      await this.optimizer.setWeights(
        adam.map((e, i) => ({ name: i === 0 ? 'iter' : `acc${i}`, tensor: tf.tensor(adamValues[i]!, e.shape) })),
      );
    }
    const current = this.adamBetaPowers();
    if (powerValues && current) {
      tf.tidy(() => {
        current[0].assign(tf.scalar(powerValues[0]!));
        current[1].assign(tf.scalar(powerValues[1]!));
      });
    }
    this.epochsDone = header.epochsDone;
    this.partial = header.partial ?? null;
    this.rng.state = header.rngState;
    this.optimizerStep = Number.isInteger(header.optimizerStep) ? header.optimizerStep! : 0;
    this.history = header.history;
    this.best = header.best && best ? { ...header.best, values: best } : null;
  }

  /** Adam's running beta1^t / beta2^t variables (private fields of tf.AdamOptimizer). */
  private adamBetaPowers(): [tf.Variable, tf.Variable] | null {
    const o = this.optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable };
    return o.accBeta1 && o.accBeta2 ? [o.accBeta1, o.accBeta2] : null;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.sidHead?.dispose();
    this.optimizer.dispose();
  }
}
