/**
 * The whole offline pipeline for one user's log, from the same modules as `pocketrec train`: import
 * (generic format, streaming: src/data) -> leave-one-out split -> semantic IDs when asked (src/sid) ->
 * DecoderTrainer with validation each epoch and early stopping (src/train) -> test metrics beside the
 * popularity and co-occurrence baselines (src/eval) -> the exported artifacts (src/model), byte for byte
 * what `pocketrec train --catalog --test` writes, so `pocketrec eval --model` accepts them unchanged.
 *
 * Browser-safe: files are `TextSource`s (a `File` in the browser, a path in Node), the trainer runs with
 * no host (no checkpoints, one thread), the artifacts come back as bytes. The browser runs it in a
 * dedicated worker (worker.ts, workers/train.worker.ts); Node tests run it directly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { importGeneric } from '../data/importers/generic.ts';
import type { ReadProgress, TextSource } from '../data/lines.ts';
import { leaveOneOutSplit } from '../data/splits.ts';
import type { Dataset, ImportSummary } from '../data/types.ts';
import { CoocRecommender } from '../eval/baselines/cooc.ts';
import { PopularRecommender } from '../eval/baselines/popular.ts';
import { DecoderRecommender, outcomeFrequencies } from '../eval/decoder-recommender.ts';
import { evaluate, type EvalRecommender } from '../eval/evaluate.ts';
import { buildArtifacts } from '../model/artifacts.ts';
import { defaultDecoderConfig, validateDecoderConfig, type DecoderConfig } from '../model/decoder.ts';
import { PrefixMemItemEncoder } from '../model/prefixmem-items.ts';
import { buildTrainingSids } from '../train/training-sids.ts';
import { catalogJson } from '../train/catalog-export.ts';
import { DEFAULT_TRAIN_OPTIONS, DecoderTrainer, type TrainOptions } from '../train/trainer.ts';
import { checkSettings, type PipelineSettings } from './settings.ts';

/** What to train on. */
export interface PipelineInput {
  /** The events file (generic format, docs/data.md). */
  events: TextSource;
  /** Optional items file (`item,title,features,year`). */
  items?: TextSource;
  /** Dataset name (default: the events file's name without extensions, as the CLI names it). */
  name?: string;
  settings: PipelineSettings;
}

/** Validation (or test) metrics the page shows. */
export interface PipelineMetrics {
  'HR@10': number;
  'NDCG@10': number;
}

/** Everything the pipeline reports while it runs, in order. */
export type PipelineEvent =
  | { type: 'import-progress'; pass: 'scan' | 'read'; file: string; rows: number; bytes?: number; totalBytes?: number }
  | { type: 'imported'; name: string; summary: ImportSummary; hasTimestamps: boolean }
  | { type: 'stage'; stage: 'sids' | 'training' | 'testing' | 'export'; detail?: string }
  | {
      type: 'step';
      epoch: number;
      step: number;
      steps: number;
      loss: number;
      /** Estimated seconds until `epochs` are done (early stopping may end sooner). */
      secondsLeft: number;
    }
  | {
      type: 'epoch';
      epoch: number;
      /** Steps of the epoch done: less than `steps` when the run was stopped inside it. */
      step: number;
      steps: number;
      loss: number;
      validation: PipelineMetrics;
      /** Whether this validation is the best so far (the model kept at a stop). */
      best: boolean;
    }
  | { type: 'log'; line: string };

/** Test metrics of one recommender (masked, full ranking). */
export interface TestRow {
  name: string;
  metrics: PipelineMetrics;
}

/** What a finished run returns. */
export interface PipelineResult {
  name: string;
  config: DecoderConfig;
  epochsDone: number;
  stoppedAt?: { epoch: number; step: number; steps: number };
  bestEpoch: number;
  bestValidation?: PipelineMetrics;
  /** The trained decoder, then the popularity and co-occurrence baselines, on the same test cases. */
  test: TestRow[];
  /** The running mean loss after each of the first 20 steps (the CLI logs it every 10 steps: comparison). */
  firstLosses: number[];
  /** Exported artifacts by path (`manifest.json`, `weights.bin`, `item-embeddings.bin`, `catalog.json`[, `sids.bin`]). */
  files: Record<string, Uint8Array>;
  /** Seconds in DecoderTrainer.fit (training + validation), as `pocketrec train` reports `train.wallSeconds`. */
  trainSeconds: number;
  /** Mean seconds per training step over the completed epochs (validation excluded). */
  secondsPerStep: number;
  wallSeconds: number;
}

/** How the caller follows and steers the run. */
export interface PipelineHooks {
  onEvent?: (event: PipelineEvent) => void;
  /** Polled after every training step: true = stop, validate, keep the best model so far. */
  shouldStop?: () => boolean;
  /** Let the event loop run after every step (a worker must, to see a stop message). */
  yieldBetweenSteps?: boolean;
}

const pick = (m: Record<string, number>): PipelineMetrics => ({ 'HR@10': m['HR@10'] ?? NaN, 'NDCG@10': m['NDCG@10'] ?? NaN });

/** Imports the log (streaming) with progress events. */
export async function importLog(input: Omit<PipelineInput, 'settings'>, hooks: PipelineHooks = {}): Promise<Dataset> {
  const progress =
    (pass: 'scan' | 'read') =>
    (p: ReadProgress): void =>
      hooks.onEvent?.({ type: 'import-progress', pass, file: p.file, rows: p.rows, bytes: p.bytes, totalBytes: p.totalBytes });
  const dataset = await importGeneric(
    { events: input.events, ...(input.items ? { items: input.items } : {}), ...(input.name ? { name: input.name } : {}) },
    { onProgress: progress('read'), onScanProgress: progress('scan') },
  );
  hooks.onEvent?.({ type: 'imported', name: dataset.name, summary: dataset.summary, hasTimestamps: dataset.hasTimestamps });
  return dataset;
}

/**
 * Runs the pipeline on an imported dataset. TF.js must be set up first (worker.ts: wasm with the
 * training kernels, or WebGPU; Node: setupTrainingBackend).
 */
export async function trainOnDataset(
  dataset: Dataset,
  settings: PipelineSettings,
  hooks: PipelineHooks = {},
): Promise<PipelineResult> {
  checkSettings(settings);
  const start = performance.now();
  const emit = (event: PipelineEvent): void => hooks.onEvent?.(event);
  const log = (line: string): void => emit({ type: 'log', line });
  const split = leaveOneOutSplit(dataset.sequences);
  // The same config `pocketrec train` builds from the same options (src/cli/commands/train.ts).
  const config = defaultDecoderConfig({
    itemCount: dataset.catalog.ids.length,
    outcomeCount: dataset.outcomes.length,
    dim: settings.dim,
    blocks: settings.blocks,
    maxLen: settings.maxLen,
    timeFeatures: dataset.hasTimestamps,
    useIdEmbedding: true,
    usePrefixMem: settings.itemRep !== 'id',
  });
  validateDecoderConfig(config);
  const prior = outcomeFrequencies(split.train, dataset.outcomes.length);
  const validation = settings.valUsers > 0 ? split.validation.slice(0, settings.valUsers) : split.validation;
  const itemCount = config.itemCount;

  let encoder: PrefixMemItemEncoder | undefined;
  let sidBytes: Uint8Array | undefined;
  let sidInfo: { levels: number; codebookSize: number; sidLength: number; disambiguationSize: number } | undefined;
  if (config.usePrefixMem) {
    emit({ type: 'stage', stage: 'sids' });
    const sids = buildTrainingSids(dataset, config.dim, settings.seed);
    ({ info: sidInfo, bytes: sidBytes, encoder } = sids);
    const t = sids.info;
    log(`semantic IDs: ${t.levels} levels x ${t.codebookSize} codes (+${t.disambiguationSize} disambiguation)`);
  }

  // Time left: the mean step time so far times the steps left, plus one validation per epoch left.
  let stepSeconds = 0;
  let stepsTimed = 0;
  let validationSeconds = 0;
  let currentEpoch = 1;
  let lastLoss = NaN;
  let lastStep = { step: 0, steps: 0 };
  const firstLosses: number[] = [];
  let previousSeconds = 0;
  const options: TrainOptions = {
    ...DEFAULT_TRAIN_OPTIONS,
    epochs: settings.epochs,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    negatives: settings.negatives,
    inBatchNegatives: settings.inBatch,
    seed: settings.seed,
    patience: settings.patience,
    log,
    shouldStop: () => hooks.shouldStop?.() ?? false,
    onStep: (p) => {
      if (p.epoch !== currentEpoch) previousSeconds = 0;
      currentEpoch = p.epoch;
      stepSeconds += p.seconds - previousSeconds;
      previousSeconds = p.seconds;
      stepsTimed++;
      lastLoss = p.loss;
      lastStep = { step: p.step, steps: p.steps };
      if (p.epoch === 1 && firstLosses.length < 20) firstLosses.push(p.loss);
      const stepsLeft = p.steps - p.step + (settings.epochs - p.epoch) * p.steps;
      const epochsLeft = settings.epochs - p.epoch + 1;
      const secondsLeft = (stepSeconds / stepsTimed) * stepsLeft + validationSeconds * epochsLeft;
      emit({ type: 'step', epoch: p.epoch, step: p.step, steps: p.steps, loss: p.loss, secondsLeft });
      // Yield to the event loop between steps, so a worker receives the page's stop request.
      return hooks.yieldBetweenSteps ? new Promise<void>((resolve) => setTimeout(resolve, 0)) : undefined;
    },
  };
  emit({
    type: 'stage',
    stage: 'training',
    detail: `${split.train.length} users, ${itemCount} items, backend ${tf.getBackend()}`,
  });
  const trainer = new DecoderTrainer(config, options, encoder);
  try {
    let best = -Infinity;
    const result = await trainer.fit(split.train, async (decoder) => {
      const t0 = performance.now();
      const rec = new DecoderRecommender('decoder', decoder, null, prior);
      const r = await evaluate(rec, validation, { itemCount, ks: [10, 50] });
      validationSeconds = (performance.now() - t0) / 1000;
      const metric = r.masked['NDCG@10'] ?? NaN;
      emit({
        type: 'epoch',
        epoch: currentEpoch,
        step: lastStep.step,
        steps: lastStep.steps,
        loss: lastLoss,
        validation: pick(r.masked),
        best: metric > best,
      });
      best = Math.max(best, metric);
      return r.masked;
    });

    emit({ type: 'stage', stage: 'testing' });
    const metrics: Record<string, number> = {};
    for (const [k, v] of Object.entries(result.bestValidation ?? {})) metrics[`validation.${k}`] = v;
    const test: TestRow[] = [];
    const decoderRec = new DecoderRecommender('decoder', trainer.decoder, null, prior);
    const r = await evaluate(decoderRec, split.test, { itemCount, ks: [10, 50] });
    for (const [k, v] of Object.entries(r.masked)) metrics[`test.${k}`] = v;
    for (const [k, v] of Object.entries(r.unmasked)) metrics[`test.unmasked.${k}`] = v;
    test.push({ name: 'pocketrec decoder', metrics: pick(r.masked) });
    const baselines: [string, EvalRecommender][] = [
      ['popularity', new PopularRecommender()],
      ['co-occurrence', new CoocRecommender()],
    ];
    for (const [name, rec] of baselines) {
      await rec.fit?.({ dataset, train: split.train, validation: split.validation });
      const b = await evaluate(rec, split.test, { itemCount, ks: [10, 50], lists: false });
      test.push({ name, metrics: pick(b.masked) });
    }
    metrics['train.epochs'] = result.epochsDone;
    if (result.stoppedAt) metrics['train.partialEpochSteps'] = result.stoppedAt.step;
    metrics['train.bestEpoch'] = result.bestEpoch;
    if (result.bestStep !== undefined) metrics['train.bestEpochStep'] = result.bestStep;
    metrics['train.wallSeconds'] = Math.round(result.wallSeconds);

    emit({ type: 'stage', stage: 'export' });
    const table = trainer.decoder.retrievalTable();
    let files: Map<string, Uint8Array>;
    try {
      for (const [name, tensor] of [...trainer.trainableVariables(), ['item-embeddings', table] as const]) {
        const values = tensor.dataSync();
        for (let i = 0; i < values.length; i++)
          if (!Number.isFinite(values[i]!))
            throw new Error(`export refused: ${name} has non-finite values; lower the learning rate`);
      }
      files = await buildArtifacts({
        config,
        params: new Map(trainer.trainableVariables()),
        ...(encoder ? { prefixMem: encoder.prefixMem.config } : {}),
        ...(sidInfo ? { sid: sidInfo } : {}),
        itemEmbeddings: table,
        outcomes: dataset.outcomes,
        outcomePrior: prior,
        dataset: { name: dataset.name, users: dataset.sequences.length, items: itemCount, events: dataset.summary.events },
        metrics,
        extraFiles: [
          { role: 'catalog', path: 'catalog.json', bytes: catalogJson(dataset) },
          ...(sidBytes ? [{ role: 'sid-codes' as const, path: 'sids.bin', bytes: sidBytes }] : []),
        ],
      });
    } finally {
      table.dispose();
    }
    return {
      name: dataset.name,
      config,
      epochsDone: result.epochsDone,
      ...(result.stoppedAt ? { stoppedAt: result.stoppedAt } : {}),
      bestEpoch: result.bestEpoch,
      ...(result.bestValidation ? { bestValidation: pick(result.bestValidation) } : {}),
      test,
      firstLosses,
      files: Object.fromEntries(files),
      trainSeconds: result.wallSeconds,
      secondsPerStep: result.history.length
        ? result.history.reduce((sum, h) => sum + h.secondsPerStep, 0) / result.history.length
        : NaN,
      wallSeconds: (performance.now() - start) / 1000,
    };
  } finally {
    trainer.dispose();
  }
}
