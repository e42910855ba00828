/**
 * `pocketrec train`: trains the PinRec decoder on a dataset's leave-one-out training split, validates
 * each epoch with the evaluation harness (full ranking, history masked), stops early, and exports
 * the model artifacts (manifest.json + weights.bin + item-embeddings.bin [+ catalog.json]).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, numberOption, stringOption, type ParsedArgs } from '../args.ts';
import { leaveOneOutSplit } from '../../data/splits.ts';
import type { Dataset } from '../../data/types.ts';
import { evaluate } from '../../eval/evaluate.ts';
import { buildArtifacts } from '../../model/artifacts.ts';
import { defaultDecoderConfig, MULTI_TOKEN_HORIZONS, NEXT_TOKEN_HORIZONS, type DecoderConfig } from '../../model/decoder.ts';
import { DecoderRecommender, outcomeFrequencies } from '../../eval/decoder-recommender.ts';
import { PrefixMem } from '../../model/prefixmem.ts';
import { prefixMemConfigFor, PrefixMemItemEncoder } from '../../model/prefixmem-items.ts';
import { buildSemanticIds, sidConfigFor } from '../../sid/build.ts';
import { serializeSidArtifacts } from '../../sid/sid-table.ts';
import { setupTrainingBackend } from '../../train/backend.ts';
import { DEFAULT_TRAIN_OPTIONS, DecoderTrainer, type TrainOptions } from '../../train/trainer.ts';
import { datasetOptions, loadForCli, printReadProgress } from './import.ts';

export const summary = 'Train the PinRec decoder (wasm), validate each epoch, export model artifacts';

export const usage = `Usage: pocketrec train --dataset <name|path> [options]

  --dataset <name|path>       dataset (see pocketrec import --help); --data-dir, --rating-rule as there
  --epochs <n>                max epochs (default 100; early stopping on validation NDCG@10)
  --batch <n>                 users per batch (default 128)
  --dim <n>                   model width (default 50)
  --blocks <n>                transformer blocks (default 2)
  --heads <n>                 attention heads (default 1)
  --maxlen <n>                history length (default 200)
  --dropout <p>               dropout (default 0)
  --lr <x>                    Adam learning rate (default 0.001)
  --negatives <n>             uniform sampled negatives per step (default 128)
  --in-batch                  also draw as many negatives from the batch's positives (logQ-corrected)
  --full-softmax              score every item (small catalogs) instead of sampling
  --temperature <t>           softmax temperature on cosine (default 0.05)
  --outcome-conditioning on|off   outcome-conditioned head (default on)
  --multi-token               horizons next / soon(2-5) / later(6-15) instead of next only
  --time-features on|off      hour/weekday/log-gap token features (default on when the data has time)
  --item-rep id|sid|id+sid    item representation: learned ID embedding, PrefixMem over semantic IDs
                              (built here with the dataset's default SID shape), or both (default id)
  --seed <n>                  seed for init, shuffles, negatives (default 42)
  --patience <n>              early-stopping patience in epochs (default 5)
  --validate-every <n>        validate every n epochs (default 1)
  --val-users <n>             validate on the first n users only (speed; default all)
  --max-minutes <m>           stop training after m minutes (best model kept; so does a first Ctrl-C)
  --workers 1|2               2 = split each batch with a gradient worker thread (uses the second core)
  --checkpoint <dir>          write resumable checkpoints here (each epoch, atomic)
  --resume                    continue from --checkpoint
  --test                      evaluate the best model on the test split; metrics go into the manifest
  --catalog                   also export catalog.json (titles, genres, years) for the demo
  --attribution <text>        dataset attribution written into the manifest
  --out <dir>                 export folder (default runs/<dataset>-decoder)`;

function onOff(args: ParsedArgs, name: string, fallback: boolean): boolean {
  const v = args.options.get(name);
  if (v === undefined) return fallback;
  if (v !== 'on' && v !== 'off') throw new CliError(`--${name} must be on or off`);
  return v === 'on';
}

/** Writes bytes to path via tmp + rename (never a half-written file). */
function writeAtomic(path: string, bytes: Uint8Array): void {
  writeFileSync(`${path}.tmp`, bytes);
  renameSync(`${path}.tmp`, path);
}

/**
 * catalog.json for the demo, column-wise to stay small: raw ids, titles, years (null if unknown),
 * genres as indices into `genreNames`, and popularity (events with the item in the dataset; the demo's
 * cold-start order), all indexed by dense item index.
 */
export function catalogJson(dataset: Dataset): Uint8Array {
  const c = dataset.catalog;
  const genreNames: string[] = [];
  const genreIndex = new Map<string, number>();
  const genres = c.ids.map((_, i) =>
    (c.features[i] ?? [])
      .filter((f) => f.startsWith('genre:'))
      .map((f) => {
        const g = f.slice(6);
        let k = genreIndex.get(g);
        if (k === undefined) {
          genreIndex.set(g, (k = genreNames.length));
          genreNames.push(g);
        }
        return k;
      }),
  );
  return new TextEncoder().encode(
    JSON.stringify({
      dataset: dataset.name,
      outcomes: dataset.outcomes,
      ids: c.ids,
      titles: c.ids.map((id, i) => c.titles?.[i] ?? id),
      years: c.ids.map((_, i) => (c.years && Number.isFinite(c.years[i]) ? c.years[i] : null)),
      genreNames,
      genres,
      popularity: itemPopularity(dataset),
    }),
  );
}

/** Events per item over every user's sequence. */
function itemPopularity(dataset: Dataset): number[] {
  const counts = new Array<number>(dataset.catalog.ids.length).fill(0);
  for (const sequence of dataset.sequences) for (const item of sequence.items) counts[item]!++;
  return counts;
}

export async function run(args: ParsedArgs): Promise<number> {
  const name = stringOption(args, 'dataset');
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const backend = await setupTrainingBackend();
  const t0 = performance.now();
  const dataset = await loadForCli(name, datasetOptions(args, printReadProgress));
  const split = leaveOneOutSplit(dataset.sequences);
  log(
    `${dataset.name}: ${dataset.sequences.length} users, ${dataset.catalog.ids.length} items, ${dataset.summary.events} events; backend ${backend}; loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const config: DecoderConfig = defaultDecoderConfig({
    itemCount: dataset.catalog.ids.length,
    outcomeCount: dataset.outcomes.length,
    dim: numberOption(args, 'dim', 50),
    blocks: numberOption(args, 'blocks', 2),
    heads: numberOption(args, 'heads', 1),
    maxLen: numberOption(args, 'maxlen', 200),
    dropout: numberOption(args, 'dropout', 0),
    temperature: numberOption(args, 'temperature', 0.05),
    outcomeConditioning: onOff(args, 'outcome-conditioning', true),
    horizons: args.flags.has('multi-token') ? MULTI_TOKEN_HORIZONS : NEXT_TOKEN_HORIZONS,
    timeFeatures: onOff(args, 'time-features', dataset.hasTimestamps),
  });
  const itemRep = stringOption(args, 'item-rep', 'id');
  if (!['id', 'sid', 'id+sid'].includes(itemRep)) throw new CliError('--item-rep must be id, sid or id+sid');
  config.useIdEmbedding = itemRep !== 'sid';
  config.usePrefixMem = itemRep !== 'id';
  config.ffnDim = numberOption(args, 'ffn', 4 * config.dim);
  config.headDim = numberOption(args, 'head-dim', 2 * config.dim);
  let stopRequested = false;
  const options: TrainOptions = {
    ...DEFAULT_TRAIN_OPTIONS,
    epochs: numberOption(args, 'epochs', DEFAULT_TRAIN_OPTIONS.epochs),
    batchSize: numberOption(args, 'batch', DEFAULT_TRAIN_OPTIONS.batchSize),
    learningRate: numberOption(args, 'lr', DEFAULT_TRAIN_OPTIONS.learningRate),
    negatives: numberOption(args, 'negatives', DEFAULT_TRAIN_OPTIONS.negatives),
    inBatchNegatives: args.flags.has('in-batch'),
    fullSoftmax: args.flags.has('full-softmax'),
    seed: numberOption(args, 'seed', DEFAULT_TRAIN_OPTIONS.seed),
    patience: numberOption(args, 'patience', DEFAULT_TRAIN_OPTIONS.patience),
    validateEvery: numberOption(args, 'validate-every', 1),
    checkpointDir: args.options.get('checkpoint'),
    resume: args.flags.has('resume'),
    maxSeconds: numberOption(args, 'max-minutes', 0) * 60,
    workers: numberOption(args, 'workers', 1),
    log,
    shouldStop: () => stopRequested,
  };
  if (options.resume && !options.checkpointDir) throw new CliError('--resume needs --checkpoint <dir>');
  log(`config ${JSON.stringify(config)}`);
  log(`train ${JSON.stringify({ ...options, log: undefined })}`);

  const prior = outcomeFrequencies(split.train, dataset.outcomes.length);
  const valUsers = numberOption(args, 'val-users', 0);
  const validation = valUsers > 0 ? split.validation.slice(0, valUsers) : split.validation;
  const itemCount = config.itemCount;
  let encoder: PrefixMemItemEncoder | undefined;
  let sidBytes: Uint8Array | undefined;
  let sidInfo: { levels: number; codebookSize: number; sidLength: number; disambiguationSize: number } | undefined;
  if (config.usePrefixMem) {
    const ts = performance.now();
    const build = buildSemanticIds(dataset, sidConfigFor(dataset.name, { seed: options.seed }));
    const t = build.table;
    sidInfo = {
      levels: t.levels,
      codebookSize: t.codebookSize,
      sidLength: t.sidLength,
      disambiguationSize: t.disambiguationSize,
    };
    sidBytes = new Uint8Array(serializeSidArtifacts({ table: t, trie: build.trie }));
    encoder = new PrefixMemItemEncoder(new PrefixMem(prefixMemConfigFor(t, config.dim), options.seed), t);
    log(
      `semantic IDs: ${t.levels} levels x ${t.codebookSize} codes (+${t.disambiguationSize} disambiguation) in ${((performance.now() - ts) / 1000).toFixed(1)} s`,
    );
  }
  const trainer = new DecoderTrainer(config, options, encoder);
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
    .finally(() => process.off('SIGINT', onInterrupt));
  log(
    `trained ${result.history.length} epochs in ${(result.wallSeconds / 60).toFixed(1)} min; best epoch ${result.bestEpoch} ${JSON.stringify(result.bestValidation)}`,
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
  metrics['train.epochs'] = result.history.length;
  metrics['train.bestEpoch'] = result.bestEpoch;
  metrics['train.wallSeconds'] = Math.round(result.wallSeconds);

  const out = args.options.get('out') ?? join('runs', `${dataset.name}-decoder`);
  mkdirSync(out, { recursive: true });
  const table = trainer.decoder.retrievalTable();
  const files = await buildArtifacts({
    config,
    params: new Map(trainer.trainableVariables()),
    ...(encoder ? { prefixMem: encoder.prefixMem.config } : {}),
    ...(sidInfo ? { sid: sidInfo } : {}),
    itemEmbeddings: table,
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
  for (const [path, bytes] of files) if (path !== 'manifest.json') writeAtomic(join(out, path), bytes);
  writeAtomic(join(out, 'manifest.json'), files.get('manifest.json')!);
  log(`exported to ${out}: ${[...files].map(([p, b]) => `${p} (${b.byteLength} B)`).join(', ')}`);
  process.stdout.write(`${JSON.stringify({ out, metrics, history: result.history })}\n`);
  trainer.dispose();
  return 0;
}
