/**
 * Settings of a training run in the browser ("Train on your own data", docs/demo.md): three presets and
 * the main knobs. Each maps one to one onto a `pocketrec train` option (`cliArgs`), so a run in the page
 * can be repeated with the CLI on the same data, seed and config.
 */

/** The presets the page offers. */
export type Preset = 'fast' | 'balanced' | 'best';

/** The main settings of a run. */
export interface PipelineSettings {
  /** Max epochs (early stopping on validation NDCG@10). `--epochs` */
  epochs: number;
  /** Users per batch. `--batch` */
  batchSize: number;
  /** Adam learning rate. `--lr` */
  learningRate: number;
  /** Uniform sampled negatives per step. `--negatives` */
  negatives: number;
  /** Also draw as many negatives from the batch's positives (popularity, logQ-corrected). `--in-batch` */
  inBatch: boolean;
  /** Model width. `--dim` */
  dim: number;
  /** Transformer blocks. `--blocks` */
  blocks: number;
  /** History length. `--maxlen` */
  maxLen: number;
  /** Early-stopping patience in epochs. `--patience` */
  patience: number;
  /** Validate on the first n users only (0 = all). `--val-users` */
  valUsers: number;
  /** Item representation: learned ID embedding, or ID + PrefixMem over semantic IDs. `--item-rep` */
  itemRep: 'id' | 'id+sid';
  /** Seed for init, shuffles, negatives. `--seed` */
  seed: number;
}

/**
 * Small logs need many steps: batches of 32 users and lr 3e-3, as the CLI run that beats popularity on
 * ml-latest-small (docs/benchmarks.md: `--batch 32 --lr 0.003 --negatives 256 --in-batch`, HR@10 rose
 * above popularity after ~40 epochs / 800 steps, so patience must outlast that). fast: a first model in
 * minutes (small model, 10 epochs); balanced: that CLI run's settings (history 100, 100 epochs, patience
 * 40); best: history 200, semantic IDs, 300 epochs.
 */
export const PRESETS: Record<Preset, PipelineSettings> = {
  fast: {
    epochs: 10,
    batchSize: 32,
    learningRate: 3e-3,
    negatives: 64,
    inBatch: true,
    dim: 32,
    blocks: 1,
    maxLen: 50,
    patience: 3,
    valUsers: 500,
    itemRep: 'id',
    seed: 42,
  },
  balanced: {
    epochs: 100,
    batchSize: 32,
    learningRate: 3e-3,
    negatives: 256,
    inBatch: true,
    dim: 50,
    blocks: 2,
    maxLen: 100,
    patience: 40,
    valUsers: 0,
    itemRep: 'id',
    seed: 42,
  },
  best: {
    epochs: 300,
    batchSize: 32,
    learningRate: 3e-3,
    negatives: 256,
    inBatch: true,
    dim: 50,
    blocks: 2,
    maxLen: 200,
    patience: 40,
    valUsers: 0,
    itemRep: 'id+sid',
    seed: 42,
  },
};

/** The bounds the page and the worker enforce (a setting outside them is refused with its name). */
export const SETTING_LIMITS: Record<
  Exclude<keyof PipelineSettings, 'itemRep' | 'inBatch'>,
  { min: number; max: number; integer: boolean }
> = {
  epochs: { min: 1, max: 1000, integer: true },
  batchSize: { min: 1, max: 4096, integer: true },
  learningRate: { min: 1e-6, max: 1, integer: false },
  negatives: { min: 1, max: 100_000, integer: true },
  dim: { min: 2, max: 1024, integer: true },
  blocks: { min: 1, max: 16, integer: true },
  maxLen: { min: 2, max: 4096, integer: true },
  patience: { min: 1, max: 1000, integer: true },
  valUsers: { min: 0, max: 1e9, integer: true },
  seed: { min: 0, max: 0xffffffff, integer: true },
};

/** Throws a RangeError naming the first setting that is missing, not a number or out of bounds. */
export function checkSettings(settings: PipelineSettings): void {
  for (const [key, limit] of Object.entries(SETTING_LIMITS) as [
    keyof typeof SETTING_LIMITS,
    (typeof SETTING_LIMITS)['epochs'],
  ][]) {
    const value = settings[key];
    if (
      typeof value !== 'number' ||
      !Number.isFinite(value) ||
      value < limit.min ||
      value > limit.max ||
      (limit.integer && !Number.isInteger(value))
    )
      throw new RangeError(
        `${key} must be ${limit.integer ? 'an integer' : 'a number'} from ${limit.min} to ${limit.max}, got ${String(value)}`,
      );
  }
  if (typeof settings.inBatch !== 'boolean')
    throw new RangeError(`inBatch must be true or false, got ${String(settings.inBatch)}`);
  if (settings.itemRep !== 'id' && settings.itemRep !== 'id+sid')
    throw new RangeError(`itemRep must be id or id+sid, got ${String(settings.itemRep)}`);
}

/** The `pocketrec train` options that reproduce these settings (same data, seed and config). */
export function cliArgs(settings: PipelineSettings): string[] {
  return [
    ...[
      '--epochs',
      settings.epochs,
      '--batch',
      settings.batchSize,
      '--lr',
      settings.learningRate,
      '--negatives',
      settings.negatives,
    ],
    ...(settings.inBatch ? ['--in-batch'] : []),
    ...['--dim', settings.dim, '--blocks', settings.blocks, '--maxlen', settings.maxLen, '--patience', settings.patience],
    ...(settings.valUsers > 0 ? ['--val-users', settings.valUsers] : []),
    ...['--item-rep', settings.itemRep, '--seed', settings.seed],
  ].map(String);
}
