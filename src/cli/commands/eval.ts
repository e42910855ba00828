/**
 * `pocketrec eval`: evaluates a baseline or model on a dataset split with full ranking, prints a masked /
 * unmasked metric table and optionally writes the result JSON (docs/benchmarks/) and a top-100 TSV.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../../util/node-fs.ts';
import { cpus, arch, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import {
  choiceOption,
  CliError,
  formatUsage,
  numberOption,
  optionalNumber,
  stringOption,
  UsageError,
  type OptionTable,
  type ParsedArgs,
} from '../args.ts';
import { futureWindowSplit, leaveOneOutSplit, type Split } from '../../data/splits.ts';
import { REPO_ROOT } from '../../data/registry.ts';
import { formatCoocParams, tuneCooc, type CoocTuningRow } from '../../eval/baselines/cooc.ts';
import { coherenceAttribute, type CoherenceConfig } from '../../eval/coherence.ts';
import { evaluate, type EvalResult, type FitContext } from '../../eval/evaluate.ts';
import { topListFile } from '../../eval/node-top-list.ts';
import type { Dataset } from '../../data/types.ts';
import { createEvalRecommender, DatasetMismatchError } from '../../eval/recommenders.ts';
import { DATASET_OPTIONS, datasetOptions, loadForCli, printReadProgress } from './import.ts';
import type { EvalCase } from '../../data/splits.ts';
import type { UserSequence } from '../../data/types.ts';
import { formatRankEval, type RankEvalResult } from '../../eval/rank-eval.ts';

export const summary = 'Evaluate a model or baseline (full ranking, masked + unmasked), write JSON / top-100 TSV';

export const options: OptionTable = {
  ...DATASET_OPTIONS,
  model: { type: 'string', value: '<spec>', help: 'popular | cooc | <dir>/manifest.json or decoder:<dir> (trained decoder)' },
  mode: {
    type: 'string',
    value: 'embedding|sid|sid+rerank',
    help: 'trained decoders: embedding top-k (default), SID generation with the SID head,\nor SID candidates re-scored by the embedding query',
  },
  beam: { type: 'string', value: '<n>', help: 'beam width per query of --mode sid|sid+rerank (default 50)' },
  params: { type: 'string', value: 'k=v,...', help: 'model parameters (cooc: window, forward, neighbors, lastN, decay)' },
  tune: { type: 'boolean', help: 'cooc only: grid-search params on the VALIDATION split first, then test the best' },
  split: { type: 'string', value: 'loo|window', help: 'leave-one-out (default) or future window' },
  window: { type: 'string', value: '<n>', help: 'window split: window size in events (default 5)' },
  'window-fraction': { type: 'string', value: '<f>', help: 'window split: window as a fraction of each sequence instead' },
  'min-history': { type: 'string', value: '<n>', help: 'window split: events required before the validation window (default 5)' },
  on: { type: 'string', value: 'test|validation', help: 'which held-out part to score (default test)' },
  k: { type: 'string', value: '10,50', help: 'cut-offs (default 10,50)' },
  condition: {
    type: 'string',
    value: '<c>',
    help: "outcome conditioning for outcome-aware models: target (matched),\nmismatched (next outcome after the target's), or an outcome name",
  },
  'max-users': { type: 'string', value: '<n>', help: 'evaluate only the first n cases (quick checks; not for reported numbers)' },
  batch: { type: 'string', value: '<n>', help: 'histories per scoring call' },
  top100: {
    type: 'string',
    value: '<file.tsv>',
    help: "write each case's masked top-100 as user<TAB>rank<TAB>item<TAB>score (raw ids;\nties ordered as the metrics count them, see docs/benchmarks.md)",
  },
  out: { type: 'string', value: '<file.json>', help: 'write the result JSON (e.g. docs/benchmarks/ml-1m-popular-loo.json)' },
  rank: {
    type: 'string',
    value: '<N>',
    help: 'models with a ranking head: re-rank the retrieval top N by p(interaction) (HR@10/NDCG@10/HR@3\nbefore and after), outcome AUC and log-loss vs baselines (loo split only)',
  },
};

export const usage = formatUsage('Usage: pocketrec eval --dataset <name|path> --model <popular|cooc|...> [options]', options);

/** Short machine description for result files (override with POCKETREC_MACHINE). */
export function machineDescription(): string {
  if (process.env.POCKETREC_MACHINE) return process.env.POCKETREC_MACHINE;
  const cpu = cpus();
  const archName = arch() === 'x64' ? 'x86-64' : arch();
  return `${cpu.length}-core ${archName} (${cpu[0]?.model.trim() ?? 'unknown CPU'}), ${Math.round(totalmem() / 2 ** 30)} GiB RAM`;
}

/** HEAD commit, with `+dirty` when tracked files under src/ differ from it. */
export function gitCommit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no', '--', 'src'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return 'unknown';
  }
}

const f4 = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(4));

/** The printed table: one row per metric, masked and unmasked columns. */
export function formatMetrics(result: EvalResult): string {
  const names = Object.keys(result.masked);
  const lines = [`${'metric'.padEnd(14)} ${'masked'.padStart(8)} ${'unmasked'.padStart(8)}`];
  for (const name of names)
    lines.push(`${name.padEnd(14)} ${f4(result.masked[name]).padStart(8)} ${f4(result.unmasked[name]).padStart(8)}`);
  const outcomes = Object.keys(result.perOutcome.masked);
  if (outcomes.length > 1) {
    lines.push('', 'per target outcome (masked):');
    for (const o of outcomes) {
      const row = result.perOutcome.masked[o]!;
      lines.push(
        `  ${o.padEnd(10)} ${Object.entries(row)
          .map(([k, v]) => `${k} ${k === 'cases' ? v : f4(v)}`)
          .join('  ')}`,
      );
    }
  }
  return lines.join('\n');
}

/** List length of the Coherence@k check reported by `pocketrec eval`. */
export const COHERENCE_K = 20;

/**
 * The Coherence@20 setup for a dataset: its first content attribute kind (genre, else category) and its `love`
 * outcome; otherwise the reason the check is skipped.
 */
export function coherenceSetup(dataset: Dataset): { config: CoherenceConfig } | { skipped: string } {
  const attribute = coherenceAttribute(dataset.catalog);
  if (!attribute) return { skipped: 'the catalog has no genre or category attributes' };
  const loveOutcome = dataset.outcomes.indexOf('love');
  if (loveOutcome < 0) return { skipped: `no 'love' outcome (outcomes: ${dataset.outcomes.join(', ')})` };
  return { config: { features: dataset.catalog.features, attribute, loveOutcome, k: COHERENCE_K } };
}

/** One line on how many cases Coherence@k averaged over and why the others were skipped. */
export function formatCoherence(result: EvalResult, skipped?: string): string {
  if (skipped !== undefined) return `Coherence@${COHERENCE_K}: skipped for all ${result.cases} users: ${skipped}`;
  const c = result.coherence;
  if (!c) return '';
  return (
    `Coherence@${c.k} (share of the top ${c.k} sharing a ${c.attribute} with the user's loved items): ` +
    `${c.users} users; skipped ${c.skippedNoLoved} with no loved item, ${c.skippedNoAttribute} whose loved items have no ${c.attribute}`
  );
}

function parseKs(text: string): number[] {
  const ks = text.split(',').map((s) => Number(s.trim()));
  if (ks.some((k) => !Number.isInteger(k) || k < 1)) throw new UsageError(`--k must be positive integers, got "${text}"`);
  return ks;
}

function makeSplit(args: ParsedArgs, sequences: Parameters<typeof leaveOneOutSplit>[0]): Split {
  const kind = choiceOption(args, 'split', ['loo', 'window'] as const) ?? 'loo';
  if (kind === 'loo') return leaveOneOutSplit(sequences);
  const size = numberOption(args, 'window', 5, { integer: true, min: 1 });
  const fraction = optionalNumber(args, 'window-fraction', { above: 0, max: 1 });
  const minHistory = numberOption(args, 'min-history', 5, { integer: true, min: 0 });
  try {
    return futureWindowSplit(sequences, { size, fraction, minHistory });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function progressLine(label: string) {
  return (p: { done: number; total: number; usersPerSecond: number }) => {
    process.stderr.write(`  ${label}: ${p.done}/${p.total} users, ${Math.round(p.usersPerSecond)} users/s   \r`);
  };
}

export async function run(args: ParsedArgs): Promise<number> {
  const started = performance.now();
  const datasetName = stringOption(args, 'dataset');
  const modelSpec = stringOption(args, 'model');
  const ks = parseKs(args.options.get('k') ?? '10,50');
  const part = choiceOption(args, 'on', ['test', 'validation'] as const) ?? 'test';
  const maxUsers = optionalNumber(args, 'max-users', { integer: true, min: 1 });
  const batchSize = optionalNumber(args, 'batch', { integer: true, min: 1 });
  if (args.options.has('params') && args.flags.has('tune')) throw new UsageError('give --params or --tune, not both');
  const rankCandidates = optionalNumber(args, 'rank', { integer: true, min: 10 });
  if (rankCandidates !== undefined && !(modelSpec.endsWith('manifest.json') || modelSpec.startsWith('decoder:')))
    throw new UsageError('--rank needs --model <dir>/manifest.json (a decoder exported with --ranking-head)');
  if (rankCandidates !== undefined && (args.options.get('split') ?? 'loo') !== 'loo')
    throw new UsageError('--rank evaluates the leave-one-out split only');

  const dataset = await loadForCli(datasetName, datasetOptions(args, printReadProgress));
  const split = makeSplit(args, dataset.sequences);
  let cases = part === 'test' ? split.test : split.validation;
  if (maxUsers !== undefined) cases = cases.slice(0, maxUsers);
  const itemCount = dataset.catalog.ids.length;
  process.stderr.write(
    `${dataset.name}: ${dataset.userIds.length} users, ${itemCount} items; ${split.label} ${part}: ${cases.length} cases\n`,
  );

  const conditionText = args.options.get('condition');
  let condition: 'target' | 'mismatched' | number | undefined;
  if (conditionText !== undefined) {
    condition =
      conditionText === 'target' || conditionText === 'mismatched' ? conditionText : dataset.outcomes.indexOf(conditionText);
    if (condition === -1) throw new UsageError(`--condition must be target, mismatched or one of ${dataset.outcomes.join(', ')}`);
  }

  const context: FitContext = { dataset, train: split.train, validation: split.validation };
  let params = args.options.get('params');
  let tuning: CoocTuningRow[] | undefined;
  if (args.flags.has('tune')) {
    if (modelSpec !== 'cooc') throw new UsageError('--tune is implemented for --model cooc only');
    process.stderr.write('tuning cooc on the validation split (masked NDCG@10)...\n');
    const tuned = await tuneCooc(
      context,
      { window: [0, 2, 5, 20], forward: [false, true], lastN: [1, 5, 20, 50], decay: [0.5, 0.8, 1] },
      split.validation,
      (row) =>
        process.stderr.write(
          `  ${formatCoocParams(row.params)}  NDCG@10 ${f4(row.validation['NDCG@10'])}  HR@10 ${f4(row.validation['HR@10'])}\n`,
        ),
    );
    tuning = tuned.rows;
    params = formatCoocParams(tuned.best);
    process.stderr.write(`best: ${params}\n`);
  }

  const mode = choiceOption(args, 'mode', ['embedding', 'sid', 'sid+rerank'] as const);
  const beam = optionalNumber(args, 'beam', { integer: true, min: 1, max: 512 });
  if (beam !== undefined && (mode ?? 'embedding') === 'embedding') throw new UsageError('--beam needs --mode sid or sid+rerank');
  let recommender;
  try {
    recommender = await createEvalRecommender({
      model: modelSpec,
      params,
      ...(mode ? { mode } : {}),
      ...(beam !== undefined ? { beam } : {}),
    });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const fitStart = performance.now();
  try {
    await recommender.fit?.(context);
  } catch (error) {
    recommender.dispose?.();
    if (error instanceof DatasetMismatchError) throw new CliError(error.message);
    throw error;
  }
  const fitSeconds = (performance.now() - fitStart) / 1000;

  const top100 = args.options.get('top100');
  const coherence = coherenceSetup(dataset);
  const result = await evaluate(recommender, cases, {
    itemCount,
    ks,
    batchSize,
    outcomeNames: dataset.outcomes,
    condition,
    coherence: 'config' in coherence ? coherence.config : undefined,
    onProgress: progressLine(`${recommender.name} ${part}`),
    topList: top100
      ? { sink: topListFile(resolve(top100)), userIds: dataset.userIds, itemIds: dataset.catalog.ids, size: 100 }
      : undefined,
  });
  recommender.dispose?.();
  process.stderr.write(`\n`);
  const wallSeconds = (performance.now() - started) / 1000;

  process.stdout.write(
    `${dataset.name} · ${recommender.name}${params ? ` (${params})` : ''} · ${split.label} ${part} · ${result.cases} users · ` +
      `full ranking over ${itemCount} items\n${formatMetrics(result)}\n` +
      `${formatCoherence(result, 'skipped' in coherence ? coherence.skipped : undefined)}\n` +
      `fit ${fitSeconds.toFixed(1)} s · eval ${result.wallSeconds.toFixed(1)} s (${Math.round(result.usersPerSecond)} users/s) · total ${wallSeconds.toFixed(1)} s\n`,
  );

  let ranking: RankEvalResult | undefined;
  if (rankCandidates !== undefined) {
    ranking = await rankEvaluation(modelSpec, rankCandidates, dataset, split.train, cases);
    process.stdout.write(`${formatRankEval(ranking)}\n`);
  }

  const out = args.options.get('out');
  if (out) {
    const json = {
      dataset: dataset.name,
      model: recommender.name,
      modelSpec,
      params: params ?? null,
      split: split.label,
      part,
      condition: conditionText ?? null,
      users: result.cases,
      itemCount,
      ks,
      protocol: 'full ranking over all catalog items; pessimistic ties; masked = history items except targets removed',
      metrics: { masked: result.masked, unmasked: result.unmasked },
      perOutcome: result.perOutcome,
      coherence: result.coherence ?? { skipped: 'skipped' in coherence ? coherence.skipped : 'not computed', users: 0 },
      tuning: tuning ?? null,
      ...(ranking ? { ranking } : {}),
      fitSeconds,
      evalSeconds: result.wallSeconds,
      wallSeconds,
      usersPerSecond: result.usersPerSecond,
      command: `pocketrec ${process.argv
        .slice(2)
        .map((a) => (/\s/.test(a) ? JSON.stringify(a) : a))
        .join(' ')}`,
      machine: machineDescription(),
      date: new Date().toISOString(),
      gitCommit: gitCommit(),
      importSummary: { users: dataset.summary.users, items: dataset.summary.items, events: dataset.summary.events },
    };
    const path = resolve(out);
    mkdirSync(dirname(path), { recursive: true });
    writeFileAtomic(path, `${JSON.stringify(json, null, 2)}\n`, '.partial');
    process.stderr.write(`wrote ${path}\n`);
  }
  return 0;
}

/** `--rank N`: loads the model again with its ranking head and runs src/eval/rank-eval.ts on the same cases. */
async function rankEvaluation(
  modelSpec: string,
  candidates: number,
  dataset: Dataset,
  train: UserSequence[],
  cases: EvalCase[],
): Promise<RankEvalResult> {
  const [{ loadDecoderFromDisk }, { evaluateRanking }] = await Promise.all([
    import('../../train/load-model.ts'),
    import('../../eval/rank-eval.ts'),
  ]);
  const path = modelSpec.startsWith('decoder:') ? modelSpec.slice('decoder:'.length) : modelSpec;
  const loaded = await loadDecoderFromDisk(path);
  try {
    if (!loaded.ranking)
      throw new CliError(`--rank: model ${path} has no ranking head; train it with \`pocketrec train --ranking-head\``);
    return await evaluateRanking(loaded.decoder, loaded.ranking, loaded.itemEmbeddings, cases, {
      candidates,
      outcomeNames: dataset.outcomes,
      train,
      outcomePrior: loaded.section.outcomePrior,
      onProgress: (done, total) => process.stderr.write(`  ranking: ${done}/${total} users   ${done === total ? '\n' : '\r'}`),
    });
  } finally {
    loaded.dispose();
  }
}
