/** `pocketrec import`: reads a dataset, validates every row and prints what was imported. */
import { CliError, stringOption, type ParsedArgs } from '../args.ts';
import { DataFormatError, DatasetNotFoundError } from '../../data/errors.ts';
import { DATASETS, loadDataset, type LoadDatasetOptions } from '../../data/registry.ts';
import { parseRatingRule } from '../../data/outcomes.ts';
import type { ReadProgress } from '../../data/io.ts';
import type { ImportSummary } from '../../data/types.ts';

export const summary = 'Import and validate a dataset, print users/items/events/outcomes/dropped rows';

export const usage = `Usage: pocketrec import --dataset <name|path> [options]

  --dataset <name|path>   ${Object.keys(DATASETS).join(', ')},
                          or a generic events file (CSV/TSV, see docs/data.md), or a directory
  --data-dir <dir>        where the shared datasets live (default: ../shared/datasets next to the repo,
                          or $POCKETREC_DATA_DIR)
  --rating-rule <rule>    rating -> outcome bands, default love:4,watch:3,dislike:0
  --catalog all|rated     keep catalog items without events (all) or not (rated); per-dataset default
  --items <file>          generic format: items file (item,title,features,year)
  --vectors <file>        generic format: item vectors file (item,v1..vd)
  --json                  print the summary as JSON instead of a table`;

const fmt = (n: number) => n.toLocaleString('en-US');

/** Parses the dataset-related options shared by `import` and `eval`. */
export function datasetOptions(args: ParsedArgs, onProgress?: (p: ReadProgress) => void): LoadDatasetOptions {
  const catalog = args.options.get('catalog');
  if (catalog !== undefined && catalog !== 'all' && catalog !== 'rated') throw new CliError('--catalog must be all or rated');
  let ratingRule;
  const ruleText = args.options.get('rating-rule');
  if (ruleText !== undefined) {
    try {
      ratingRule = parseRatingRule(ruleText);
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  }
  return {
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
