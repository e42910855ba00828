/**
 * `pocketrec train`: trains the PinRec decoder on a dataset's leave-one-out training split, validates
 * each epoch with the evaluation harness (full ranking, history masked), stops early, and exports
 * the model artifacts (manifest.json + weights.bin + item-embeddings.bin [+ catalog.json]).
 */
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../../util/node-fs.ts';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import {
  choiceOption,
  CliError,
  formatUsage,
  numberOption,
  onOffOption,
  optionalNumber,
  stringOption,
  UsageError,
  type OptionTable,
  type ParsedArgs,
} from '../args.ts';
import { leaveOneOutSplit } from '../../data/splits.ts';
import { evaluate } from '../../eval/evaluate.ts';
import { buildArtifacts } from '../../model/artifacts.ts';
import { ITEM_PRECISIONS, type ItemPrecision } from '../../model/item-table.ts';
import { catalogJson } from '../../train/catalog-export.ts';
import { defaultDecoderConfig, MULTI_TOKEN_HORIZONS, validateDecoderConfig, type DecoderConfig } from '../../model/decoder.ts';
import { DecoderRecommender, outcomeFrequencies } from '../../eval/decoder-recommender.ts';
import { PrefixMemItemEncoder } from '../../model/prefixmem-items.ts';
import { buildTrainingSids } from '../../train/training-sids.ts';
import { setupTrainingBackend } from '../../train/backend.ts';
import { LR_SCHEDULES, TRAIN_WINDOWS } from '../../train/schedule.ts';
import { nodeTrainerHost } from '../../train/node-host.ts';
import { warmStart, WarmStartError } from '../../train/warm-start.ts';
import { DEFAULT_SID_HEAD_WEIGHT, SidHeadObjective } from '../../train/sid-loss.ts';
import { sidHeadConfigFor } from '../../model/sid-decoding.ts';
import {
  CheckpointError,
  DEFAULT_TRAIN_OPTIONS,
  DecoderTrainer,
  TrainingDivergedError,
  type TrainOptions,
} from '../../train/trainer.ts';
import { DATASET_OPTIONS, datasetOptions, loadForCli, printReadProgress } from './import.ts';
import { DEFAULT_RANKING_OPTIONS, type RankingTrainOptions } from '../../train/ranking-targets.ts';

export const summary = 'Train the PinRec decoder (wasm), validate each epoch, export model artifacts';

const { catalog: catalogChoice, ...datasetOptionsOfTrain } = DATASET_OPTIONS;

/** The decoder's defaults, for the help text (they live only in `defaultDecoderConfig`). */
const MODEL_DEFAULTS = defaultDecoderConfig({ itemCount: 1, outcomeCount: 1 });
const onOff = (value: boolean): string => (value ? 'on' : 'off');

export const options: OptionTable = {
  ...datasetOptionsOfTrain,
  'catalog-items': {
    ...catalogChoice!,
    help: "the dataset's --catalog all|rated of pocketrec import (here --catalog exports catalog.json)",
  },
  epochs: { type: 'string', value: '<n>', help: 'max epochs (default 100; early stopping on validation NDCG@10)' },
  batch: { type: 'string', value: '<n>', help: 'users per batch (default 128)' },
  dim: { type: 'string', value: '<n>', help: `model width (default ${MODEL_DEFAULTS.dim})` },
  blocks: { type: 'string', value: '<n>', help: `transformer blocks (default ${MODEL_DEFAULTS.blocks})` },
  heads: { type: 'string', value: '<n>', help: `attention heads (default ${MODEL_DEFAULTS.heads}; must divide --dim)` },
  maxlen: { type: 'string', value: '<n>', help: `history length (default ${MODEL_DEFAULTS.maxLen})` },
  ffn: { type: 'string', value: '<n>', help: 'feed-forward width (default 4 x dim)' },
  'head-dim': { type: 'string', value: '<n>', help: 'width of the outcome-conditioned head (default 2 x dim)' },
  dropout: { type: 'string', value: '<p>', help: `dropout in [0, 1) (default ${MODEL_DEFAULTS.dropout})` },
  lr: { type: 'string', value: '<x>', help: 'Adam learning rate > 0 (default 0.001; the peak with a schedule)' },
  'lr-schedule': {
    type: 'string',
    value: 'constant|cosine|linear',
    help: 'learning rate after warm-up: constant (default), or decayed to 0 over --epochs',
  },
  'warmup-steps': { type: 'string', value: '<n>', help: 'linear learning-rate warm-up steps (default 0)' },
  'weight-decay': {
    type: 'string',
    value: '<x>',
    help: 'decoupled (AdamW) weight decay >= 0; biases and LayerNorm exempt (default 0)',
  },
  'train-windows': {
    type: 'string',
    value: 'last|all',
    help: 'last: one sample per user, its last --maxlen events (default); all: every\nevent, the history cut into --maxlen windows',
  },
  negatives: { type: 'string', value: '<n>', help: 'uniform sampled negatives per step (default 128)' },
  'in-batch': { type: 'boolean', help: "also draw as many negatives from the batch's positives (logQ-corrected)" },
  'full-softmax': { type: 'boolean', help: 'score every item (small catalogs) instead of sampling' },
  temperature: { type: 'string', value: '<t>', help: `softmax temperature on cosine (default ${MODEL_DEFAULTS.temperature})` },
  'outcome-conditioning': {
    type: 'string',
    value: 'on|off',
    help: `outcome-conditioned head (default ${onOff(MODEL_DEFAULTS.outcomeConditioning)})`,
  },
  'multi-token': { type: 'boolean', help: 'horizons next / soon(2-5) / later(6-15) instead of next only' },
  'time-features': {
    type: 'string',
    value: 'on|off',
    help: 'hour/weekday/log-gap token features (default on when the data has time)',
  },
  'item-rep': {
    type: 'string',
    value: 'id|sid|id+sid',
    help: "item representation: learned ID embedding, PrefixMem over semantic IDs\n(built here with the dataset's default SID shape), or both (default id)",
  },
  'sid-head': {
    type: 'boolean',
    help: 'also train the SID decoding head (generative retrieval, recommend mode sid);\nneeds --item-rep sid or id+sid',
  },
  'sid-head-weight': { type: 'string', value: '<w>', help: 'weight of the SID loss against the retrieval loss (default 1)' },
  seed: { type: 'string', value: '<n>', help: 'seed for init, shuffles, negatives (default 42)' },
  patience: { type: 'string', value: '<n>', help: 'early-stopping patience in epochs (default 5)' },
  'validate-every': { type: 'string', value: '<n>', help: 'validate every n epochs (default 1)' },
  'val-users': { type: 'string', value: '<n>', help: 'validate on the first n users only (speed; default all)' },
  'max-minutes': {
    type: 'string',
    value: '<m>',
    help: 'stop training after m minutes (best model kept; so does a first Ctrl-C)',
  },
  workers: { type: 'string', value: '1|2', help: '2 = split each batch with a gradient worker thread (uses the second core)' },
  checkpoint: { type: 'string', value: '<dir>', help: 'write resumable checkpoints here (each epoch, atomic)' },
  resume: { type: 'boolean', help: 'continue from --checkpoint' },
  'init-from': {
    type: 'string',
    value: '<model>',
    help: "start from an exported model's weights (same model options; optimiser and schedule start fresh)",
  },
  test: { type: 'boolean', help: 'evaluate the best model on the test split; metrics go into the manifest' },
  catalog: { type: 'boolean', help: 'also export catalog.json (titles, genres, years) for the demo' },
  attribution: { type: 'string', value: '<text>', help: 'dataset attribution written into the manifest' },
  out: { type: 'string', value: '<dir>', help: 'export folder (default runs/<dataset>-decoder)' },
  'ranking-head': { type: 'boolean', help: 'also train the UniPinRec ranking head (per-outcome probabilities of candidates)' },
  'ranking-weight': {
    type: 'string',
    value: '<w>',
    help: `weight of the ranking loss (default ${DEFAULT_RANKING_OPTIONS.weight})`,
  },
  'ranking-negatives': {
    type: 'string',
    value: '<n>',
    help: `sampled non-interacted items per ranking target (default ${DEFAULT_RANKING_OPTIONS.negatives})`,
  },
  'ranking-positions': {
    type: 'string',
    value: '<n>',
    help: `ranking targets per user per step (default ${DEFAULT_RANKING_OPTIONS.positions})`,
  },
  'ranking-hard': {
    type: 'string',
    value: '<n>',
    help: "draw half the ranking negatives from the model's own retrieval top n (0 = off, default)",
  },
  'ranking-dim': { type: 'string', value: '<n>', help: `ranking head MLP width (default ${DEFAULT_RANKING_OPTIONS.hiddenDim})` },
  'item-precision': {
    type: 'string',
    value: 'fp32|fp16|int8',
    help: 'storage of item-embeddings.bin: fp32 (default), fp16 (1/2 the bytes) or\nint8 with a per-row scale (~1/4); decoded to float32 at load',
  },
};

export const usage = formatUsage('Usage: pocketrec train --dataset <name|path> [options]', options);

/**
 * Refuses to export a model with a non-finite value in any tensor (CliError, exit 1, nothing written):
 * such a model loads, returns no recommendations and evaluates to 0 without an error.
 */
export function assertFiniteForExport(tensors: Iterable<[string, tf.Tensor]>): void {
  for (const [name, tensor] of tensors) {
    const values = tensor.dataSync();
    let bad = 0;
    for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) bad++;
    if (bad > 0)
      throw new CliError(`export refused: ${name} has ${bad} non-finite value(s) of ${values.length}; nothing was written`, 1);
  }
}

export { catalogJson } from '../../train/catalog-export.ts';

/** The command line's training settings, every value checked; `model` holds only what the user gave. */
export interface TrainCommandSettings {
  model: Partial<DecoderConfig>;
  /** --time-features when given (the default depends on the data). */
  timeFeatures?: boolean;
  itemRep: 'id' | 'sid' | 'id+sid';
  /** --item-precision (default fp32). */
  itemPrecision: ItemPrecision;
  train: Omit<TrainOptions, 'log' | 'shouldStop'>;
  valUsers: number;
  /** --sid-head: the SID head's loss weight; absent = no SID head. */
  sidHeadWeight?: number;
}

const positiveInt = { integer: true, min: 1 } as const;

/** Reads and checks every training option (a bad value is a UsageError: exit 2 with the usage). */
export function trainSettings(args: ParsedArgs): TrainCommandSettings {
  const given = <K extends keyof DecoderConfig>(key: K, value: DecoderConfig[K] | undefined): Partial<DecoderConfig> =>
    value === undefined ? {} : ({ [key]: value } as Partial<DecoderConfig>);
  const model: Partial<DecoderConfig> = {
    ...given('dim', optionalNumber(args, 'dim', positiveInt)),
    ...given('blocks', optionalNumber(args, 'blocks', positiveInt)),
    ...given('heads', optionalNumber(args, 'heads', positiveInt)),
    ...given('maxLen', optionalNumber(args, 'maxlen', positiveInt)),
    ...given('ffnDim', optionalNumber(args, 'ffn', positiveInt)),
    ...given('headDim', optionalNumber(args, 'head-dim', positiveInt)),
    ...given('dropout', optionalNumber(args, 'dropout', { min: 0, below: 1 })),
    ...given('temperature', optionalNumber(args, 'temperature', { above: 0 })),
    ...given('outcomeConditioning', onOffOption(args, 'outcome-conditioning')),
    ...(args.flags.has('multi-token') ? { horizons: MULTI_TOKEN_HORIZONS } : {}),
  };
  const fullSoftmax = args.flags.has('full-softmax');
  if (fullSoftmax && (args.options.has('negatives') || args.flags.has('in-batch')))
    throw new UsageError('--full-softmax scores every item: it takes no --negatives or --in-batch');
  const d = DEFAULT_TRAIN_OPTIONS;
  const train: Omit<TrainOptions, 'log' | 'shouldStop'> = {
    ...d,
    epochs: numberOption(args, 'epochs', d.epochs, positiveInt),
    batchSize: numberOption(args, 'batch', d.batchSize, positiveInt),
    learningRate: numberOption(args, 'lr', d.learningRate, { above: 0 }),
    lrSchedule: choiceOption(args, 'lr-schedule', LR_SCHEDULES) ?? d.lrSchedule,
    warmupSteps: numberOption(args, 'warmup-steps', d.warmupSteps, { integer: true, min: 0 }),
    weightDecay: numberOption(args, 'weight-decay', d.weightDecay, { min: 0 }),
    trainWindows: choiceOption(args, 'train-windows', TRAIN_WINDOWS) ?? d.trainWindows,
    // Full softmax samples nothing: the logged options say so (0 negatives).
    negatives: fullSoftmax ? 0 : numberOption(args, 'negatives', d.negatives, positiveInt),
    inBatchNegatives: args.flags.has('in-batch'),
    fullSoftmax,
    seed: numberOption(args, 'seed', d.seed, { integer: true, min: 0, max: 0xffffffff }),
    patience: numberOption(args, 'patience', d.patience, positiveInt),
    validateEvery: numberOption(args, 'validate-every', d.validateEvery, positiveInt),
    checkpointDir: args.options.get('checkpoint'),
    resume: args.flags.has('resume'),
    maxSeconds: numberOption(args, 'max-minutes', 0, { min: 0 }) * 60,
    workers: numberOption(args, 'workers', d.workers, { integer: true, min: 1, max: 2 }),
  };
  if (train.resume && !train.checkpointDir) throw new UsageError('--resume needs --checkpoint <dir>');
  const ranking = rankingSettings(args);
  if (ranking) train.ranking = ranking;
  if (ranking && train.workers > 1) throw new UsageError('--ranking-head does not support --workers 2 yet');
  if (train.resume && args.options.has('init-from'))
    throw new UsageError('--init-from starts a new run: it cannot be combined with --resume');
  const itemRep = choiceOption(args, 'item-rep', ['id', 'sid', 'id+sid'] as const) ?? 'id';
  const sidHead = args.flags.has('sid-head');
  if (!sidHead && args.options.has('sid-head-weight')) throw new UsageError('--sid-head-weight needs --sid-head');
  if (sidHead && itemRep === 'id') throw new UsageError('--sid-head reads PrefixMem: use --item-rep sid or id+sid');
  const sidHeadWeight = sidHead ? numberOption(args, 'sid-head-weight', DEFAULT_SID_HEAD_WEIGHT, { above: 0 }) : undefined;
  if (sidHead && train.workers > 1) throw new UsageError('--sid-head trains on one thread: use --workers 1');
  return {
    model,
    timeFeatures: onOffOption(args, 'time-features'),
    itemRep,
    itemPrecision: choiceOption(args, 'item-precision', ITEM_PRECISIONS) ?? 'fp32',
    train,
    valUsers: numberOption(args, 'val-users', 0, { integer: true, min: 0 }),
    ...(sidHeadWeight !== undefined ? { sidHeadWeight } : {}),
  };
}

/** The --ranking-* options (undefined without --ranking-head; a --ranking-* option alone is a UsageError). */
function rankingSettings(args: ParsedArgs): RankingTrainOptions | undefined {
  const names = ['ranking-weight', 'ranking-negatives', 'ranking-positions', 'ranking-dim', 'ranking-hard'];
  if (!args.flags.has('ranking-head')) {
    const stray = names.find((n) => args.options.has(n));
    if (stray) throw new UsageError(`--${stray} needs --ranking-head`);
    return undefined;
  }
  const d = DEFAULT_RANKING_OPTIONS;
  return {
    weight: numberOption(args, 'ranking-weight', d.weight, { above: 0 }),
    negatives: numberOption(args, 'ranking-negatives', d.negatives, positiveInt),
    positions: numberOption(args, 'ranking-positions', d.positions, positiveInt),
    hiddenDim: numberOption(args, 'ranking-dim', d.hiddenDim, positiveInt),
    ...(args.options.has('ranking-hard') ? { hard: numberOption(args, 'ranking-hard', 0, { integer: true, min: 0 }) } : {}),
  };
}

export async function run(args: ParsedArgs): Promise<number> {
  const name = stringOption(args, 'dataset');
  const settings = trainSettings(args);
  const loadOptions = datasetOptions(args, printReadProgress, 'catalog-items');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const backend = await setupTrainingBackend();
  const t0 = performance.now();
  const dataset = await loadForCli(name, loadOptions);
  const split = leaveOneOutSplit(dataset.sequences);
  log(
    `${dataset.name}: ${dataset.sequences.length} users, ${dataset.catalog.ids.length} items, ${dataset.summary.events} events; backend ${backend}; loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  let config: DecoderConfig;
  try {
    config = defaultDecoderConfig({
      itemCount: dataset.catalog.ids.length,
      outcomeCount: dataset.outcomes.length,
      ...settings.model,
      timeFeatures: settings.timeFeatures ?? dataset.hasTimestamps,
      useIdEmbedding: settings.itemRep !== 'sid',
      usePrefixMem: settings.itemRep !== 'id',
    });
    validateDecoderConfig(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  let stopRequested = false;
  const options: TrainOptions = { ...settings.train, log, shouldStop: () => stopRequested, host: nodeTrainerHost };
  log(`config ${JSON.stringify(config)}`);
  log(`train ${JSON.stringify({ ...options, log: undefined, host: undefined })}`);

  const prior = outcomeFrequencies(split.train, dataset.outcomes.length);
  const valUsers = settings.valUsers;
  const validation = valUsers > 0 ? split.validation.slice(0, valUsers) : split.validation;
  const itemCount = config.itemCount;
  let encoder: PrefixMemItemEncoder | undefined;
  let sidBytes: Uint8Array | undefined;
  let sidInfo: { levels: number; codebookSize: number; sidLength: number; disambiguationSize: number } | undefined;
  if (config.usePrefixMem) {
    const ts = performance.now();
    const sids = buildTrainingSids(dataset, config.dim, options.seed);
    ({ info: sidInfo, bytes: sidBytes, encoder } = sids);
    const t = sids.info;
    log(
      `semantic IDs: ${t.levels} levels x ${t.codebookSize} codes (+${t.disambiguationSize} disambiguation) in ${((performance.now() - ts) / 1000).toFixed(1)} s`,
    );
  }
  const sidHead =
    encoder && settings.sidHeadWeight !== undefined
      ? new SidHeadObjective(sidHeadConfigFor(encoder, config.dim), encoder, options.seed + 17, settings.sidHeadWeight)
      : undefined;
  if (sidHead)
    log(`SID head: ${JSON.stringify(sidHead.config)}, weight ${sidHead.weight}, up to ${sidHead.maxRows} queries per step`);
  const trainer = new DecoderTrainer(config, options, encoder, sidHead);
  const initFrom = args.options.get('init-from');
  if (initFrom) {
    try {
      // A SID head new in this run starts from its initial weights when the model has none.
      const version = await warmStart(initFrom, config, trainer.trainableVariables(), sidBytes, (n) => n.startsWith('sidhead.'));
      log(`initialised from ${initFrom} (model ${version})`);
    } catch (error) {
      trainer.dispose();
      if (error instanceof WarmStartError) throw new CliError(error.message, 1);
      throw error;
    }
  }
  // First Ctrl-C: finish this step, validate, export the best model so far. Second: abort.
  const onInterrupt = (): void => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    log('interrupt: stopping after this step and exporting the best model so far (Ctrl-C again to abort)');
  };
  process.on('SIGINT', onInterrupt);
  const result = await trainer
    .fit(split.train, async (decoder) => {
      const rec = new DecoderRecommender('decoder', decoder, null, prior);
      const r = await evaluate(rec, validation, { itemCount, ks: [10, 50] });
      return r.masked;
    })
    .catch((error: unknown) => {
      trainer.dispose();
      // A bad checkpoint or a diverged run: the message says what happened and what to do; no stack, exit 1.
      if (error instanceof CheckpointError || error instanceof TrainingDivergedError) throw new CliError(error.message, 1);
      throw error;
    })
    .finally(() => process.off('SIGINT', onInterrupt));
  const partial = result.stoppedAt
    ? ` + ${result.stoppedAt.step}/${result.stoppedAt.steps} steps of epoch ${result.stoppedAt.epoch}`
    : '';
  const bestAt = result.bestStep !== undefined ? ` (after step ${result.bestStep})` : '';
  log(
    `trained ${result.epochsDone} epochs${partial} in ${(result.wallSeconds / 60).toFixed(1)} min; best epoch ${result.bestEpoch}${bestAt} ${JSON.stringify(result.bestValidation)}`,
  );

  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(result.bestValidation ?? {})) metrics[`validation.${k}`] = v;
  if (args.flags.has('test')) {
    const rec = new DecoderRecommender('decoder', trainer.decoder, null, prior);
    const r = await evaluate(rec, split.test, { itemCount, ks: [10, 50] });
    for (const [k, v] of Object.entries(r.masked)) metrics[`test.${k}`] = v;
    for (const [k, v] of Object.entries(r.unmasked)) metrics[`test.unmasked.${k}`] = v;
    log(
      `test (masked): ${Object.entries(r.masked)
        .map(([k, v]) => `${k} ${v.toFixed(4)}`)
        .join(' ')}`,
    );
  }
  metrics['train.epochs'] = result.epochsDone;
  if (result.stoppedAt) metrics['train.partialEpochSteps'] = result.stoppedAt.step;
  metrics['train.bestEpoch'] = result.bestEpoch;
  if (result.bestStep !== undefined) metrics['train.bestEpochStep'] = result.bestStep;
  metrics['train.wallSeconds'] = Math.round(result.wallSeconds);

  const out = args.options.get('out') ?? join('runs', `${dataset.name}-decoder`);
  const table = trainer.decoder.retrievalTable();
  try {
    assertFiniteForExport([...trainer.trainableVariables(), ['item-embeddings', table]]);
  } catch (error) {
    table.dispose();
    trainer.dispose();
    throw error;
  }
  mkdirSync(out, { recursive: true });
  const files = await buildArtifacts({
    config,
    params: new Map(trainer.trainableVariables()),
    ...(encoder ? { prefixMem: encoder.prefixMem.config } : {}),
    ...(sidHead ? { sidHead: sidHead.config } : {}),
    ...(sidInfo ? { sid: sidInfo } : {}),
    ...(options.ranking ? { ranking: { hiddenDim: options.ranking.hiddenDim } } : {}),
    itemEmbeddings: table,
    itemPrecision: settings.itemPrecision,
    outcomes: dataset.outcomes,
    outcomePrior: prior,
    dataset: {
      name: dataset.name,
      users: dataset.sequences.length,
      items: itemCount,
      events: dataset.summary.events,
      ...(args.options.get('attribution') ? { attribution: args.options.get('attribution') } : {}),
    },
    metrics,
    extraFiles: [
      ...(args.flags.has('catalog') ? [{ role: 'catalog' as const, path: 'catalog.json', bytes: catalogJson(dataset) }] : []),
      ...(sidBytes ? [{ role: 'sid-codes' as const, path: 'sids.bin', bytes: sidBytes }] : []),
    ],
  });
  table.dispose();
  // Binary files first, manifest last: a reader never sees a manifest pointing at missing files.
  for (const [path, bytes] of files) if (path !== 'manifest.json') writeFileAtomic(join(out, path), bytes);
  writeFileAtomic(join(out, 'manifest.json'), files.get('manifest.json')!);
  log(`exported to ${out}: ${[...files].map(([p, b]) => `${p} (${b.byteLength} B)`).join(', ')}`);
  process.stdout.write(`${JSON.stringify({ out, metrics, history: result.history })}\n`);
  trainer.dispose();
  return 0;
}
