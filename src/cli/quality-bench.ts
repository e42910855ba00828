/**
 * The quality benchmark's pure parts (issue 13): which training recipe each dataset gets, the report it
 * writes, and the table / Markdown it prints. `pocketrec bench` (src/cli/commands/bench.ts) runs the
 * stages as child `pocketrec` commands and fills a {@link QualityReport}; everything here is testable
 * without training anything.
 */

/** Masked leave-one-out test metrics of one model, as `pocketrec eval --out` writes them. */
export interface ModelScores {
  /** HR@10, NDCG@10 and the other cut-offs, masked. */
  metrics: Record<string, number>;
  /** Coherence@20 / Coherence3@20 when the dataset has item features. */
  coherence?: Record<string, number>;
  /** cooc --tune: the parameters chosen on validation. */
  params?: string | null;
  /** The `pocketrec eval` command that produced these scores (re-run it to check them). */
  command: string;
  /** The ranked lists (`--top100`), relative to the report. */
  top100: string;
}

/** One point of the time-to-quality curve: validation after an epoch, against training wall time. */
export interface CurvePoint {
  epoch: number;
  /** Cumulative training minutes (the epochs' own seconds, validation passes excluded). */
  minutes: number;
  hr10: number;
  ndcg10: number;
}

/** Everything measured for one dataset. */
export interface DatasetQuality {
  /** The dataset as given (`ml-1m` or a path). */
  dataset: string;
  /** The recipe's name (or `custom` for `--train-args`). */
  recipe: string;
  /** The exact `pocketrec train` arguments used. */
  trainArgs: string[];
  import: { users: number; items: number; events: number };
  popular: ModelScores;
  cooc: ModelScores;
  decoder: ModelScores & {
    epochs: number;
    bestEpoch: number;
    trainMinutes: number;
    curve: CurvePoint[];
    /** The exported model folder. */
    model: string;
  };
  /** Wall seconds of each stage (import, sids, popular, cooc, train, eval). */
  stageSeconds: Record<string, number>;
}

/** The reference training step measured in the same session (`src/train/step-benchmark.ts`). */
export interface ReferenceStep {
  singleThreadSeconds: number | null;
  twoThreadSeconds: number | null;
  command: string;
  /** Why it is null, when it is. */
  note?: string;
}

/** The whole report (`--json`). */
export interface QualityReport {
  date: string;
  machine: string;
  gitCommit: string;
  budgetMinutes: number;
  loadAverage: { before: [number, number, number]; after: [number, number, number] };
  referenceStep: ReferenceStep;
  datasets: DatasetQuality[];
}

/** A named training recipe: `pocketrec train` arguments (without dataset, budget, output). */
export interface QualityRecipe {
  name: string;
  /** What it is for and where its settings come from. */
  about: string;
  args: readonly string[];
}

/**
 * The training recipe per dataset kind, the configurations docs/training.md documents as defaults. Dense
 * movie-rating logs (a few thousand users with long histories) and sparse logs (Amazon 5-core and
 * anything given by path) want different regularisation; `--train-args` overrides.
 */
export const QUALITY_RECIPES: Record<'dense' | 'sparse', QualityRecipe> = {
  dense: {
    name: 'dense',
    about: 'MovieLens-style logs: the ML-1M run of docs/training.md (full softmax, two gradient threads, lr 4e-3)',
    args: ['--full-softmax', '--workers', '2', '--batch', '64', '--lr', '0.004', '--patience', '5'],
  },
  sparse: {
    name: 'sparse',
    about: 'sparse logs (Amazon 5-core, generic files): the first Beauty run of docs/training.md',
    args: [
      '--full-softmax',
      '--batch',
      '128',
      '--lr',
      '0.002',
      '--lr-schedule',
      'cosine',
      '--warmup-steps',
      '50',
      '--epochs',
      '8',
      '--dropout',
      '0.4',
      '--weight-decay',
      '0.1',
      '--maxlen',
      '50',
      '--train-windows',
      'all',
      '--patience',
      '3',
    ],
  },
};

const DENSE = new Set(['ml-1m', 'ml-100k', 'ml-latest-small']);

/** The recipe a dataset gets unless `--train-args` is given. */
export function recipeFor(dataset: string): QualityRecipe {
  return DENSE.has(dataset) ? QUALITY_RECIPES.dense : QUALITY_RECIPES.sparse;
}

/**
 * Splits a `--train-args` string into arguments: whitespace separates, single or double quotes group.
 * Throws on an unclosed quote.
 */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|([^\s"']+)/g;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    const between = text.slice(consumed, m.index);
    if (/["']/.test(between)) throw new Error(`unclosed quote in "${text}"`);
    out.push(m[1] ?? m[2] ?? m[3]!);
    consumed = m.index + m[0].length;
  }
  if (/["']/.test(text.slice(consumed))) throw new Error(`unclosed quote in "${text}"`);
  return out;
}

/** Options `pocketrec bench` sets itself, which `--train-args` may not contain. */
export const RESERVED_TRAIN_OPTIONS = ['--dataset', '--data-dir', '--out', '--max-minutes', '--test', '--items', '--name'];

/** One epoch record of `pocketrec train`'s JSON line (`history`). */
export interface TrainEpoch {
  epoch: number;
  seconds: number;
  validation?: Record<string, number>;
}

/** The time-to-quality curve from the training history: validation metrics against cumulative training minutes. */
export function qualityCurve(history: readonly TrainEpoch[]): CurvePoint[] {
  let seconds = 0;
  const points: CurvePoint[] = [];
  for (const record of history) {
    seconds += record.seconds;
    const v = record.validation;
    if (v?.['HR@10'] === undefined || v['NDCG@10'] === undefined) continue;
    points.push({ epoch: record.epoch, minutes: seconds / 60, hr10: v['HR@10'], ndcg10: v['NDCG@10'] });
  }
  return points;
}

const asObject = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/**
 * The JSON object a command printed: its whole stdout when that is one JSON object (`import --json`),
 * else the last line that parses as one (`train`'s closing summary line).
 */
export function lastJsonLine(stdout: string): Record<string, unknown> | undefined {
  try {
    const whole = asObject(JSON.parse(stdout));
    if (whole) return whole;
  } catch {
    // not one JSON document: look at the lines
  }
  const lines = stdout.trim().split('\n').reverse();
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      const value = asObject(JSON.parse(line));
      if (value) return value;
    } catch {
      // not JSON: keep looking
    }
  }
  return undefined;
}

const f4 = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(4).replace(/^0/, ''));
const pct = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || b === 0 ? '-' : `${a >= b ? '+' : ''}${((100 * (a - b)) / b).toFixed(1)}%`;

/** One row per dataset: popular, tuned cooc and decoder HR@10 / NDCG@10, the decoder's gain over cooc, training time. */
export function qualityTable(report: QualityReport): string[][] {
  const rows = [
    [
      'dataset',
      'popular HR/NDCG@10',
      'tuned cooc',
      'decoder',
      'vs cooc HR',
      'vs cooc NDCG',
      'Coh3@20 dec/cooc',
      'train min',
      'epochs (best)',
    ],
  ];
  for (const d of report.datasets) {
    const m = (s: ModelScores) => `${f4(s.metrics['HR@10'])} / ${f4(s.metrics['NDCG@10'])}`;
    rows.push([
      d.dataset,
      m(d.popular),
      m(d.cooc),
      m(d.decoder),
      pct(d.decoder.metrics['HR@10'], d.cooc.metrics['HR@10']),
      pct(d.decoder.metrics['NDCG@10'], d.cooc.metrics['NDCG@10']),
      `${f4(d.decoder.coherence?.['Coherence3@20'])} / ${f4(d.cooc.coherence?.['Coherence3@20'])}`,
      d.decoder.trainMinutes.toFixed(1),
      `${d.decoder.epochs} (${d.decoder.bestEpoch})`,
    ]);
  }
  return rows;
}

/** Fixed-width text of a table (first row is the header). */
export function formatTable(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')).join('\n');
}

/** Marks the section `pocketrec bench --write-docs` replaces in docs/benchmarks.md. */
export const QUALITY_DOCS_BEGIN = '<!-- bench:quality:begin (pocketrec bench --write-docs replaces this section) -->';
/** End of that section. */
export const QUALITY_DOCS_END = '<!-- bench:quality:end -->';

const load = (l: readonly number[]): string => l.map((x) => x.toFixed(2)).join(' ');

/** The Markdown section for docs/benchmarks.md: table, curve per dataset, commands, machine, date, load. */
export function qualityMarkdown(report: QualityReport, command: string, jsonPath: string): string {
  const rows = qualityTable(report);
  const md = [
    QUALITY_DOCS_BEGIN,
    `### Quality benchmark (${report.date.slice(0, 10)})`,
    '',
    `Command: \`${command}\` · machine: ${report.machine} · commit ${report.gitCommit} · load average ` +
      `${load(report.loadAverage.before)} before, ${load(report.loadAverage.after)} after · training budget ` +
      `${report.budgetMinutes} min per dataset · JSON: \`${jsonPath}\`.`,
    '',
    `Reference step on this machine this session (\`${report.referenceStep.command}\`): ` +
      (report.referenceStep.singleThreadSeconds === null
        ? `not measured (${report.referenceStep.note ?? 'skipped'}).`
        : `${report.referenceStep.singleThreadSeconds.toFixed(2)} s/step one thread, ` +
          `${report.referenceStep.twoThreadSeconds?.toFixed(2) ?? '-'} s/step two threads (HSTU ML-1M config).`),
    '',
    'Leave-one-out test, full ranking, history masked, unconditioned; cooc tuned on validation. ' +
      'Re-check any figure from the exported ranked lists (`--top100` files beside the JSON).',
    '',
    `| ${rows[0]!.join(' | ')} |`,
    `|${rows[0]!.map(() => '---').join('|')}|`,
    ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`),
    '',
  ];
  for (const d of report.datasets) {
    const curve = d.decoder.curve.map((p) => `${p.minutes.toFixed(1)} min ${f4(p.hr10)}/${f4(p.ndcg10)}`).join(', ');
    md.push(
      `- ${d.dataset} (recipe ${d.recipe}: \`pocketrec train ${d.trainArgs.join(' ')}\`): validation HR@10/NDCG@10 by training minutes: ${curve || 'no validation ran'}.`,
    );
  }
  md.push(QUALITY_DOCS_END);
  return md.join('\n');
}
