/**
 * `pocketrec sids`: builds semantic IDs for a dataset (item vectors -> residual k-means -> SID table,
 * trie) and writes `<out>/<dataset>.sids.bin` (table + trie + codebooks, src/sid/sid-table.ts format)
 * and `<out>/<dataset>.sids.json` (statistics, config, and the content model for cold start).
 */
import { mkdirSync } from 'node:fs';
import { writeFileAtomic, writeFilesAtomic } from '../../util/node-fs.ts';
import { resolve } from 'node:path';
import { buildSemanticIds, formatSidSummary, sidConfigFor, summarizeSidBuild } from '../../sid/build.ts';
import type { ItemVectorConfig } from '../../sid/item-vectors.ts';
import { serializeSidArtifacts } from '../../sid/sid-table.ts';
import { loadForCli } from './import.ts';
import {
  formatUsage,
  numberOption,
  optionalNumber,
  stringOption,
  UsageError,
  type OptionTable,
  type ParsedArgs,
} from '../args.ts';

export const summary = 'build semantic IDs (item vectors, residual k-means, SID tables, trie) for a dataset';

export const options: OptionTable = {
  dataset: { type: 'string', value: '<name|path>', help: 'ml-1m, beauty, ml-latest-small, ... or a path (see pocketrec import)' },
  levels: { type: 'string', value: '<L>', help: 'quantization levels (default per dataset, 3)' },
  codes: { type: 'string', value: '<K>', help: 'codes per level (default per dataset: ml-1m 32, beauty 64, ml-latest-small 64)' },
  seed: { type: 'string', value: '<n>', help: 'seed for projections, SVD and k-means (default 0)' },
  iterations: { type: 'string', value: '<n>', help: 'Lloyd iterations per level (default 15)' },
  vectors: { type: 'string', value: '<parts>', help: "comma list of content, collab, supplied (default: the dataset's config)" },
  dim: { type: 'string', value: '<n>', help: 'width of the content and collaborative parts (default 64)' },
  'data-dir': { type: 'string', value: '<dir>', help: 'datasets folder (default ../shared/datasets or $POCKETREC_DATA_DIR)' },
  out: { type: 'string', value: '<dir>', help: 'output folder (default runs/sids)' },
  quiet: { type: 'boolean', help: 'print only the output paths' },
  ablate: {
    type: 'boolean',
    help: 'run the ablation after building the SIDs',
    group:
      'Ablation (issue 4): PrefixMem vs plain per-level code embeddings on next-item SID prediction\n' +
      '(src/experiments/ablation.ts), trained at matched steps on the wasm backend, evaluated on the\n' +
      'leave-one-out test targets; writes <out>/<dataset>.sid-ablation.json.',
  },
  steps: { type: 'string', value: '<n>', help: 'training steps per variant (default 1500)' },
  'eval-users': { type: 'string', value: '<n>', help: 'test users evaluated, a seeded sample (default 0 = all)' },
  beam: { type: 'string', value: '<n>', help: 'beam width, also the largest k of recall@k (default 100)' },
  'pretrain-steps': {
    type: 'string',
    value: '<n>',
    help: "PrefixMem pre-training steps for the 'prefixmem+pretrain' variant (default 300, 0 = skip)",
  },
};

export const usage = formatUsage(
  'Usage: pocketrec sids --dataset <name|path> [options]\n\n' +
    'Builds item vectors from the TRAIN part of the leave-one-out split, quantizes them with residual\n' +
    'k-means into L levels of K codes plus a disambiguation code, and writes the binary SID tables.',
  options,
);

/** Parses --vectors into weight overrides: listed parts keep their dataset weight (or 1), others 0. */
function vectorOverrides(datasetName: string, spec: string | undefined): Partial<ItemVectorConfig> {
  if (spec === undefined) return {};
  const parts = new Set(
    spec
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  );
  const known = new Set(['content', 'collab', 'collaborative', 'supplied']);
  for (const p of parts)
    if (!known.has(p)) throw new UsageError(`--vectors: unknown part "${p}" (use content, collab, supplied)`);
  const base = sidConfigFor(datasetName).vectors;
  return {
    content: parts.has('content') ? base.content || 1 : 0,
    collaborative: parts.has('collab') || parts.has('collaborative') ? base.collaborative || 1 : 0,
    supplied: parts.has('supplied') ? base.supplied || 1 : 0,
  };
}

export async function run(args: ParsedArgs): Promise<number> {
  const datasetArg = stringOption(args, 'dataset');
  // Every option is checked before the dataset is read (a bad value exits 2 at once).
  const overrides = {
    levels: optionalNumber(args, 'levels', { integer: true, min: 1, max: 8 }),
    codebookSize: optionalNumber(args, 'codes', { integer: true, min: 2, max: 65536 }),
    iterations: optionalNumber(args, 'iterations', { integer: true, min: 1 }),
    seed: numberOption(args, 'seed', 0, { integer: true }),
  };
  const dim = optionalNumber(args, 'dim', { integer: true, min: 1 });
  vectorOverrides('', args.options.get('vectors'));
  if (args.flags.has('ablate')) {
    numberOption(args, 'steps', 1500, { integer: true, min: 1 });
    numberOption(args, 'eval-users', 0, { integer: true, min: 0 });
    numberOption(args, 'beam', 100, { integer: true, min: 1 });
    numberOption(args, 'pretrain-steps', 300, { integer: true, min: 0 });
  }
  const dataset = await loadForCli(datasetArg, { dataDir: args.options.get('data-dir') });
  const name = dataset.name;
  const config = sidConfigFor(name, {
    ...overrides,
    vectors: { ...vectorOverrides(name, args.options.get('vectors')), ...(dim !== undefined ? { dim } : {}) },
  });
  if (!(Number.isInteger(config.levels) && config.levels >= 1 && config.levels <= 8))
    throw new UsageError('--levels must be an integer in 1..8');
  if (!(Number.isInteger(config.codebookSize) && config.codebookSize >= 2 && config.codebookSize <= 65536))
    throw new UsageError('--codes must be an integer in 2..65536');
  const build = buildSemanticIds(dataset, config);
  const stats = summarizeSidBuild(build);
  const outDir = resolve(args.options.get('out') ?? 'runs/sids');
  mkdirSync(outDir, { recursive: true });
  const binPath = resolve(outDir, `${name}.sids.bin`);
  const jsonPath = resolve(outDir, `${name}.sids.json`);
  const content = build.itemVectors.contentModel;
  const json = {
    ...stats,
    format: { file: `${name}.sids.bin`, description: 'src/sid/sid-table.ts serializeSidArtifacts v1: table + trie + codebooks' },
    vectorLayout: build.itemVectors.parts,
    contentModel: content
      ? { dim: content.dim, seed: content.seed, unseenIdf: content.unseenIdf, idf: Object.fromEntries([...content.idf].sort()) }
      : null,
  };
  // Write to temporaries and rename, so a failure never leaves half-written outputs.
  writeFilesAtomic([
    {
      path: binPath,
      data: new Uint8Array(
        serializeSidArtifacts({ table: build.table, trie: build.trie, codebooks: build.quantization.codebooks }),
      ),
    },
    { path: jsonPath, data: `${JSON.stringify(json, null, 1)}\n` },
  ]);
  if (!args.flags.has('quiet')) process.stdout.write(`${formatSidSummary(stats)}\n`);
  process.stdout.write(`wrote ${binPath}\nwrote ${jsonPath}\n`);
  if (args.flags.has('ablate')) {
    const { setupTrainingBackend } = await import('../../train/backend.ts');
    const { runSidAblation } = await import('../../experiments/ablation.ts');
    const { DEFAULT_SID_TASK } = await import('../../experiments/sid-task.ts');
    const backend = await setupTrainingBackend('wasm');
    const steps = numberOption(args, 'steps', 1500, { integer: true, min: 1 });
    const evalUsers = numberOption(args, 'eval-users', 0, { integer: true, min: 0 });
    const ablationConfig = {
      task: { ...DEFAULT_SID_TASK, seed: config.seed },
      steps,
      evalUsers: evalUsers > 0 ? evalUsers : Number.MAX_SAFE_INTEGER,
      beamWidth: numberOption(args, 'beam', 100, { integer: true, min: 1 }),
      pretrainSteps: numberOption(args, 'pretrain-steps', 300, { integer: true, min: 0 }),
    };
    process.stdout.write(`ablation on ${backend}: ${steps} steps per variant\n`);
    const started = new Date().toISOString();
    const ablationPath = resolve(outDir, `${name}.sid-ablation.json`);
    const command = `pocketrec sids ${process.argv.slice(3).join(' ')}`.trim();
    const partial: import('../../experiments/ablation.ts').SidVariantResult[] = [];
    // Rewritten after every variant, so a long run that is stopped still leaves its finished variants.
    const save = (evalCount: number, trainExamples: number, complete: boolean): void => {
      const report = {
        dataset: name,
        started,
        backend,
        command,
        complete,
        sid: { levels: config.levels, codebookSize: config.codebookSize, disambiguationSize: build.table.disambiguationSize },
        config: { ...ablationConfig, evalUsers: evalCount },
        trainExamples,
        results: partial,
      };
      writeFileAtomic(ablationPath, `${JSON.stringify(report, null, 1)}\n`);
    };
    const result = runSidAblation(
      dataset,
      build.table,
      build.trie,
      ablationConfig,
      (line) => process.stdout.write(`${line}\n`),
      (r, evalCount, trainExamples) => {
        partial.push(r);
        save(evalCount, trainExamples, false);
      },
    );
    save(result.evalUsers, result.trainExamples, true);
    process.stdout.write(`${formatAblation(result.results)}\nwrote ${ablationPath}\n`);
  }
  return 0;
}

/** Table of the ablation results. */
function formatAblation(results: import('../../experiments/ablation.ts').SidVariantResult[]): string {
  const lines = ['variant              params    acc per SID position              R@10    R@100   train s'];
  for (const r of results) {
    lines.push(
      `${r.variant.padEnd(20)} ${String(r.parameters).padStart(8)}  ${r.accuracy
        .map((a) => a.toFixed(4))
        .join(' ')
        .padEnd(31)} ${r.recallAt10.toFixed(4)}  ${r.recallAt100.toFixed(4)}  ${r.trainSeconds.toFixed(0).padStart(6)}`,
    );
  }
  return lines.join('\n');
}
