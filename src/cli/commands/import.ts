/** `pocketrec import`: reads a dataset, validates every row and prints what was imported. */
import { choiceOption, CliError, formatUsage, stringOption, UsageError, type OptionTable, type ParsedArgs } from '../args.ts';
import { DataFormatError, DatasetNotFoundError } from '../../data/errors.ts';
import { DATASETS, loadDataset, type LoadDatasetOptions } from '../../data/registry.ts';
import { parseRatingRule } from '../../data/outcomes.ts';
import type { ReadProgress } from '../../data/io.ts';
import type { ImportSummary } from '../../data/types.ts';

export const summary = 'Import and validate a dataset, print users/items/events/outcomes/dropped rows';

/** Options shared by every command that loads a dataset (import, eval, train). */
export const DATASET_OPTIONS: OptionTable = {
  dataset: {
    type: 'string',
    value: '<name|path>',
    help: `${Object.keys(DATASETS).join(', ')},\nor a generic events file (CSV/TSV, see docs/data.md), or a directory`,
  },
  'data-dir': {
    type: 'string',
    value: '<dir>',
    help: 'where the shared datasets live (default: ../shared/datasets next to the repo,\nor $POCKETREC_DATA_DIR)',
  },
  'rating-rule': { type: 'string', value: '<rule>', help: 'rating -> outcome bands, default love:4,watch:3,dislike:0' },
  catalog: {
    type: 'string',
    value: 'all|rated',
    help: 'keep catalog items without events (all) or not (rated); per-dataset default',
  },
  items: { type: 'string', value: '<file>', help: 'generic format: items file (item,title,features,year)' },
  vectors: { type: 'string', value: '<file>', help: 'generic format: item vectors file (item,v1..vd)' },
  name: {
    type: 'string',
    value: '<name>',
    help: 'name of a dataset given by path (default: the file name without extensions,\nor the folder name); letters, digits, . _ -',
  },
};

export const options: OptionTable = {
  ...DATASET_OPTIONS,
  json: { type: 'boolean', help: 'print the summary as JSON instead of a table' },
};

/** `import` also takes the dataset as its one positional argument. */
export const maxPositionals = 1;

export const usage = formatUsage('Usage: pocketrec import --dataset <name|path> [options]', options);

const fmt = (n: number) => n.toLocaleString('en-US');

/**
 * Parses the dataset-related options shared by `import`, `eval` and `train` (`train` names the catalog
 * choice `--catalog-items`, its `--catalog` exports catalog.json).
 */
export function datasetOptions(
  args: ParsedArgs,
  onProgress?: (p: ReadProgress) => void,
  catalogOption = 'catalog',
): LoadDatasetOptions {
  const catalog = choiceOption(args, catalogOption, ['all', 'rated'] as const);
  let ratingRule;
  const ruleText = args.options.get('rating-rule');
  if (ruleText !== undefined) {
    try {
      ratingRule = parseRatingRule(ruleText);
    } catch (error) {
      throw new UsageError(`--rating-rule: ${(error as Error).message}`);
    }
  }
  const name = args.options.get('name');
  if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    throw new UsageError(`--name must be letters, digits, '.', '_' or '-' (it names output folders), got "${name}"`);
  return {
    ...(name !== undefined ? { name } : {}),
    dataDir: args.options.get('data-dir'),
    ratingRule,
    catalog,
    items: args.options.get('items'),
    vectors: args.options.get('vectors'),
    onProgress,
  };
}

/** Progress lines on stderr (file, rows so far). */
export function printReadProgress(p: ReadProgress): void {
  if (!p.done) process.stderr.write(`  reading ${p.file}: ${fmt(p.rows)} rows\r`);
}

/** Loads a dataset, turning "not found" and malformed-data errors into clean CLI errors. */
export async function loadForCli(name: string, options: LoadDatasetOptions) {
  try {
    return await loadDataset(name, options);
  } catch (error) {
    if (error instanceof DataFormatError || error instanceof DatasetNotFoundError) throw new CliError(error.message);
    throw error;
  }
}

/** The human-readable summary table. */
export function formatSummary(name: string, s: ImportSummary, seconds: number): string {
  const dropped = Object.entries(s.dropped);
  const lines = [
    `dataset   ${name}`,
    `users     ${fmt(s.users)}`,
    `items     ${fmt(s.items)}${s.itemsWithEvents !== undefined ? ` (${fmt(s.itemsWithEvents)} with events)` : ''}`,
    `events    ${fmt(s.events)} (${fmt(s.eventsWithTime)} with timestamps)`,
    `outcomes  ${Object.entries(s.outcomeCounts)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(' · ')}`,
    `dropped   ${dropped.length === 0 ? 'none' : dropped.map(([k, v]) => `${k}: ${fmt(v)}`).join(' · ')}`,
    'files',
    ...s.files.map((f) => `  ${f.path} (${fmt(f.rows)} rows)`),
    `seconds   ${seconds.toFixed(1)}`,
  ];
  return lines.join('\n');
}

export async function run(args: ParsedArgs): Promise<number> {
  if (args.options.has('dataset') && args.positionals.length > 0)
    throw new UsageError(`give the dataset once: --dataset ${args.options.get('dataset')} or ${args.positionals[0]}`);
  const name = args.options.get('dataset') ?? args.positionals[0] ?? stringOption(args, 'dataset');
  const started = performance.now();
  const dataset = await loadForCli(name, datasetOptions(args, printReadProgress));
  const seconds = (performance.now() - started) / 1000;
  process.stderr.write(' '.repeat(60) + '\r');
  if (args.flags.has('json')) {
    process.stdout.write(`${JSON.stringify({ dataset: dataset.name, ...dataset.summary, seconds }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatSummary(dataset.name, dataset.summary, seconds)}\n`);
  }
  return 0;
}
