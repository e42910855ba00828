/**
 * `pocketrec bench` (also `npm run bench:quality`): the quality benchmark of issue 13. For each dataset
 * (a shared dataset's name or a path to a generic CSV/TSV log) it runs, as child `pocketrec` commands so
 * that every stage is a command anyone can re-run: import -> SIDs (when the recipe uses them) -> popular
 * and tuned co-occurrence baselines -> train (within the time budget) -> eval of the exported model, each
 * eval exporting its ranked top-100. It measures the reference training step first (machines of this kind
 * differ ~3x in speed, so wall times are reported beside it), then prints the table, writes the JSON report
 * and, with --write-docs, the section of docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../../data/registry.ts';
import { replaceMarkedSection } from '../../util/marked-section.ts';
import { writeFileAtomic } from '../../util/node-fs.ts';
import { CliError, formatUsage, numberOption, stringOption, UsageError, type OptionTable, type ParsedArgs } from '../args.ts';
import {
  formatTable,
  lastJsonLine,
  qualityCurve,
  qualityMarkdown,
  qualityTable,
  QUALITY_DOCS_BEGIN,
  QUALITY_DOCS_END,
  recipeFor,
  RESERVED_TRAIN_OPTIONS,
  splitArgs,
  type DatasetQuality,
  type ModelScores,
  type QualityReport,
  type ReferenceStep,
  type TrainEpoch,
} from '../quality-bench.ts';
import { gitCommit, machineDescription } from './eval.ts';

export const summary = 'quality benchmark: import -> SIDs -> baselines -> train -> eval -> top-100 for named sets or logs';

export const options: OptionTable = {
  datasets: {
    type: 'string',
    value: '<list>',
    help: 'comma list of dataset names (ml-1m, beauty, sports, ml-latest-small, ...) or paths to generic logs',
  },
  items: { type: 'string', value: '<file>', help: 'items file of the (single) generic log given by path' },
  'data-dir': { type: 'string', value: '<dir>', help: 'datasets folder (default ../shared/datasets or $POCKETREC_DATA_DIR)' },
  'budget-minutes': { type: 'string', value: '<m>', help: 'training time budget per dataset (default 60)' },
  'train-args': {
    type: 'string',
    value: '"<args>"',
    help: 'pocketrec train arguments replacing the per-dataset recipe (src/cli/quality-bench.ts);\ngive them with = (--train-args="--dim 64 --dropout 0.3")',
  },
  'reference-steps': {
    type: 'string',
    value: '<n>',
    help: 'steps of the reference step benchmark on ML-1M (default 3; 0 skips it)',
  },
  out: { type: 'string', value: '<dir>', help: 'where models, ranked lists, logs and the JSON go (default runs/bench-quality)' },
  'write-docs': { type: 'boolean', help: 'also copy the JSON to docs/benchmarks/ and replace the section of docs/benchmarks.md' },
};

export const usage = formatUsage(
  'Usage: pocketrec bench --datasets <list> [options]    (npm run bench:quality -- --datasets ...)\n\n' +
    'Runs import -> SIDs -> popular / tuned cooc -> train -> eval (with --top100) for each dataset and reports\n' +
    'test HR@10 / NDCG@10, coherence and the time-to-quality curve beside the reference step time.',
  options,
);

/** Where the children's `pocketrec` comes from. */
const BIN = join(REPO_ROOT, 'bin/pocketrec.mjs');

function say(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

interface ChildResult {
  stdout: string;
  seconds: number;
}

/** Runs a child command, logging its output to `logFile`; throws a CliError naming the log when it fails. */
function runChild(command: string, argv: string[], logFile: string): Promise<ChildResult> {
  const start = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(command, argv, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      log += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    child.on('error', (error) => fail(new CliError(`could not run ${command}: ${error.message}`, 1)));
    child.on('close', (code, signal) => {
      writeFileAtomic(logFile, log);
      if (code === 0) return done({ stdout, seconds: (performance.now() - start) / 1000 });
      const tail = log.trim().split('\n').slice(-6).join('\n');
      fail(new CliError(`\`${[command, ...argv].join(' ')}\` failed (${code ?? signal}); log: ${logFile}\n${tail}`, 1));
    });
  });
}

const pocketrec = (argv: string[], logFile: string) => runChild(process.execPath, [BIN, ...argv], logFile);

interface EvalJson {
  metrics: { masked: Record<string, number> };
  coherence?: Record<string, number> & { skipped?: string };
  params: string | null;
  command: string;
  tuning?: { best?: string } | null;
}

function readEval(path: string, top100: string, base: string): ModelScores {
  const json = JSON.parse(readFileSync(path, 'utf8')) as EvalJson;
  const coherence =
    json.coherence && !('skipped' in json.coherence && json.coherence.skipped)
      ? Object.fromEntries(Object.entries(json.coherence).filter((e): e is [string, number] => typeof e[1] === 'number'))
      : undefined;
  return {
    metrics: json.metrics.masked,
    ...(coherence ? { coherence } : {}),
    params: json.params,
    command: json.command,
    top100: relative(base, top100),
  };
}

/** The reference step (src/train/step-benchmark.ts on ML-1M), or why it was not measured. */
async function referenceStep(steps: number, logDir: string): Promise<ReferenceStep> {
  const command = `npx tsx src/train/step-benchmark.ts ${steps}`;
  if (steps === 0) return { singleThreadSeconds: null, twoThreadSeconds: null, command, note: '--reference-steps 0' };
  say(`reference step: ${command}`);
  try {
    const r = await runChild(
      process.execPath,
      ['--import', 'tsx', 'src/train/step-benchmark.ts', String(steps)],
      join(logDir, 'reference-step.log'),
    );
    const single = /single thread:\s+([\d.]+) s\/step/.exec(r.stdout)?.[1];
    const two = /two threads:\s+([\d.]+) s\/step/.exec(r.stdout)?.[1];
    return {
      singleThreadSeconds: single ? Number(single) : null,
      twoThreadSeconds: two ? Number(two) : null,
      command,
      ...(single ? {} : { note: 'no step time in its output' }),
    };
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    say(`reference step not measured: ${why}`);
    return { singleThreadSeconds: null, twoThreadSeconds: null, command, note: `failed: ${why}` };
  }
}

/** A folder name for a dataset given by name or path. */
function slug(dataset: string): string {
  const base = dataset.split(/[\\/]/).filter(Boolean).pop() ?? dataset;
  return base.replace(/\.(csv|tsv|txt)(\.gz)?$/i, '').replace(/[^A-Za-z0-9._-]/g, '_');
}

async function benchDataset(
  dataset: string,
  shared: string[],
  budgetMinutes: number,
  trainArgsOverride: string[] | undefined,
  outRoot: string,
): Promise<DatasetQuality> {
  const dir = join(outRoot, slug(dataset));
  mkdirSync(dir, { recursive: true });
  const data = ['--dataset', dataset, ...shared];
  const seconds: Record<string, number> = {};
  const recipe = trainArgsOverride ? { name: 'custom', args: trainArgsOverride } : recipeFor(dataset);

  say(`${dataset}: import`);
  const imported = await pocketrec(['import', ...data, '--json'], join(dir, 'import.log'));
  seconds['import'] = imported.seconds;
  const summary = lastJsonLine(imported.stdout);
  const count = (key: string): number => {
    const v = summary?.[key];
    if (typeof v !== 'number') throw new CliError(`pocketrec import --json printed no "${key}" for ${dataset}`, 1);
    return v;
  };
  const importSummary = { users: count('users'), items: count('items'), events: count('events') };

  const usesSids = recipe.args.some((a, i) => a === '--item-rep' && /sid/.test(recipe.args[i + 1] ?? ''));
  if (usesSids) {
    say(`${dataset}: semantic IDs`);
    seconds['sids'] = (await pocketrec(['sids', ...data, '--out', join(dir, 'sids'), '--quiet'], join(dir, 'sids.log'))).seconds;
  }

  const baseline = async (name: 'popular' | 'cooc'): Promise<ModelScores> => {
    say(`${dataset}: ${name}${name === 'cooc' ? ' (tuned on validation)' : ''}`);
    const json = join(dir, `${name}.json`);
    const top = join(dir, `${name}.top100.tsv`);
    const argv = ['eval', ...data, '--model', name, ...(name === 'cooc' ? ['--tune'] : []), '--top100', top, '--out', json];
    seconds[name] = (await pocketrec(argv, join(dir, `${name}.log`))).seconds;
    return readEval(json, top, outRoot);
  };
  const popular = await baseline('popular');
  const cooc = await baseline('cooc');

  const model = join(dir, 'model');
  const trainArgs = [...recipe.args, '--max-minutes', String(budgetMinutes)];
  say(`${dataset}: train (${recipe.name}: ${trainArgs.join(' ')})`);
  const trained = await pocketrec(['train', ...data, ...trainArgs, '--out', model], join(dir, 'train.log'));
  seconds['train'] = trained.seconds;
  const line = lastJsonLine(trained.stdout);
  const history = (line?.['history'] ?? []) as TrainEpoch[];
  const metrics = (line?.['metrics'] ?? {}) as Record<string, number>;

  say(`${dataset}: eval of the trained model`);
  const json = join(dir, 'decoder.json');
  const top = join(dir, 'decoder.top100.tsv');
  seconds['eval'] = (
    await pocketrec(
      ['eval', ...data, '--model', join(model, 'manifest.json'), '--top100', top, '--out', json],
      join(dir, 'eval.log'),
    )
  ).seconds;
  const decoderScores = readEval(json, top, outRoot);
  return {
    dataset,
    recipe: recipe.name,
    trainArgs,
    import: importSummary,
    popular,
    cooc,
    decoder: {
      ...decoderScores,
      epochs: metrics['train.epochs'] ?? history.length,
      bestEpoch: metrics['train.bestEpoch'] ?? 0,
      trainMinutes: (metrics['train.wallSeconds'] ?? trained.seconds) / 60,
      curve: qualityCurve(history),
      model: relative(outRoot, model),
    },
    stageSeconds: Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, Math.round(v * 10) / 10])),
  };
}

export async function run(args: ParsedArgs): Promise<number> {
  const list = stringOption(args, 'datasets')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new UsageError('--datasets needs at least one name or path');
  const budgetMinutes = numberOption(args, 'budget-minutes', 60, { above: 0 });
  const referenceSteps = numberOption(args, 'reference-steps', 3, { min: 0, integer: true });
  let trainArgs: string[] | undefined;
  const rawTrainArgs = args.options.get('train-args');
  if (rawTrainArgs !== undefined) {
    try {
      trainArgs = splitArgs(rawTrainArgs);
    } catch (error) {
      throw new UsageError(`--train-args: ${(error as Error).message}`);
    }
    const reserved = trainArgs.find((a) => RESERVED_TRAIN_OPTIONS.includes(a.split('=')[0]!));
    if (reserved) throw new UsageError(`--train-args may not contain ${reserved}: pocketrec bench sets it`);
  }
  const items = args.options.get('items');
  if (items && list.length > 1) throw new UsageError('--items applies to one generic log: give a single path in --datasets');
  const shared = [
    ...(args.options.get('data-dir') ? ['--data-dir', args.options.get('data-dir')!] : []),
    ...(items ? ['--items', resolve(items)] : []),
  ];
  const date = new Date().toISOString();
  const outRoot = resolve(args.options.get('out') ?? join(REPO_ROOT, 'runs/bench-quality'));
  mkdirSync(outRoot, { recursive: true });

  const before = loadavg() as [number, number, number];
  const reference = await referenceStep(referenceSteps, outRoot);
  const datasets: DatasetQuality[] = [];
  // A path is resolved against the caller's directory; children run in the repository root.
  for (const d of list)
    datasets.push(await benchDataset(/[\\/]/.test(d) ? resolve(d) : d, shared, budgetMinutes, trainArgs, outRoot));
  const report: QualityReport = {
    date,
    machine: machineDescription(),
    gitCommit: gitCommit(),
    budgetMinutes,
    loadAverage: { before, after: loadavg() as [number, number, number] },
    referenceStep: reference,
    datasets,
  };

  const jsonPath = join(outRoot, `quality-${date.slice(0, 10)}.json`);
  writeFileAtomic(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${formatTable(qualityTable(report))}\n`);
  say(`wrote ${jsonPath}`);
  if (args.flags.has('write-docs')) {
    const docsJson = join(REPO_ROOT, 'docs/benchmarks', `quality-${date.slice(0, 10)}.json`);
    writeFileAtomic(docsJson, `${JSON.stringify(report, null, 2)}\n`);
    const command = `pocketrec bench ${process.argv.slice(3).join(' ')}`;
    const docs = join(REPO_ROOT, 'docs/benchmarks.md');
    const section = qualityMarkdown(report, command, relative(REPO_ROOT, docsJson));
    writeFileAtomic(
      docs,
      replaceMarkedSection(readFileSync(docs, 'utf8'), QUALITY_DOCS_BEGIN, QUALITY_DOCS_END, section, 'bench:quality'),
    );
    say(`updated docs/benchmarks.md and ${relative(REPO_ROOT, docsJson)}`);
  }
  return 0;
}
