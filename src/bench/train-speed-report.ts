/**
 * The pure half of `npm run bench:train` (scripts/bench-train.ts): its options, the configurations it
 * times, the report record it writes as JSON, and the text table / Markdown section made from it. No
 * TF.js and no file or process access here, so the unit tests (tests/unit/bench/train-speed.test.ts)
 * exercise all of it cheaply; the measuring is src/bench/train-speed.ts.
 */
import { replaceMarkedSection } from '../util/marked-section.ts';

/**
 * The step workloads (the PyTorch reference has one run per workload): issue 14's two, and the full
 * softmax with dropout (`QUALITY_DROPOUT`), the configuration the quality work trains with.
 */
export type TrainWorkload = 'hstu' | 'full' | 'full-dropout';

/** Dropout rate of the `full-dropout` workload (SASRec's ML-1M rate; ours and the reference's). */
export const QUALITY_DROPOUT = 0.2;

/** One timed configuration of our training step. */
export interface TrainBenchConfig {
  id: TrainBenchConfigId;
  workload: TrainWorkload;
  /** Users per step. */
  batchSize: number;
  /** 1 = `trainStep` on this thread; 2 = `trainStepParallel` with one gradient worker (`--workers 2`). */
  threads: 1 | 2;
  label: string;
}

/** The configuration names `--configs` accepts. */
export type TrainBenchConfigId = 'hstu-1t' | 'hstu-2t' | 'full-1t' | 'full-2t' | 'full-dropout-1t' | 'full-dropout-2t';

const HSTU = 'HSTU ML-1M config, 128 shared negatives, batch 128';
const FULL = 'full softmax, batch 64';
const FULL_DROPOUT = `full softmax, batch 64, dropout ${QUALITY_DROPOUT}`;

/** Each workload's label. */
export const WORKLOAD_LABELS: Readonly<Record<TrainWorkload, string>> = { hstu: HSTU, full: FULL, 'full-dropout': FULL_DROPOUT };

/** Every configuration the command knows, by `--configs` name. */
export const TRAIN_BENCH_CONFIGS: Readonly<Record<TrainBenchConfigId, TrainBenchConfig>> = {
  'hstu-1t': { id: 'hstu-1t', workload: 'hstu', batchSize: 128, threads: 1, label: `${HSTU}, one thread` },
  'hstu-2t': { id: 'hstu-2t', workload: 'hstu', batchSize: 128, threads: 2, label: `${HSTU}, two threads` },
  'full-1t': { id: 'full-1t', workload: 'full', batchSize: 64, threads: 1, label: `${FULL}, one thread` },
  'full-2t': { id: 'full-2t', workload: 'full', batchSize: 64, threads: 2, label: `${FULL}, two threads` },
  'full-dropout-1t': {
    id: 'full-dropout-1t',
    workload: 'full-dropout',
    batchSize: 64,
    threads: 1,
    label: `${FULL_DROPOUT}, one thread`,
  },
  'full-dropout-2t': {
    id: 'full-dropout-2t',
    workload: 'full-dropout',
    batchSize: 64,
    threads: 2,
    label: `${FULL_DROPOUT}, two threads`,
  },
};

/** What runs without `--configs`: the three rows of issue 14 and the quality work's configuration. */
export const DEFAULT_TRAIN_BENCH_CONFIGS: readonly TrainBenchConfigId[] = ['hstu-1t', 'hstu-2t', 'full-2t', 'full-dropout-2t'];

/** Debian's python, which has `python3-torch` once installed (a pyenv shim may shadow `python3`). */
export const DEFAULT_REFERENCE_PYTHON = '/usr/bin/python3';

/** How to get the reference, printed when it is missing. */
export const TORCH_INSTALL_HINT =
  'apt-get update && apt-get install -y python3-torch libopenblas0-pthread   (as root; then run with /usr/bin/python3, ' +
  'the default --python; without libopenblas0-pthread Debian torch falls back to a reference BLAS ~6x slower)';

/** Parsed command line of `npm run bench:train`. */
export interface TrainBenchArgs {
  /** Timed steps per configuration (median reported). */
  steps: number;
  /** Untimed steps before the timed ones, per configuration (and for the reference). */
  warmup: number;
  configs: TrainBenchConfigId[];
  /** false = `--no-reference`: do not look for PyTorch. */
  reference: boolean;
  python: string;
  dataDir?: string;
  /** JSON report path (relative to the repo root), or null for `--no-json`. */
  out: string | null;
  /** `--write-docs`: replace the marked section of docs/benchmarks.md with this run's table. */
  writeDocs: boolean;
  /** `--profile`: per-kernel time of our step for each selected workload. */
  profile: boolean;
  /** `--profile-only`: the profile without the timing runs. */
  profileOnly: boolean;
  profileSteps: number;
  profileTop: number;
  help: boolean;
}

/** A bad command line; the command prints the message and the usage and exits 2. */
export class BenchArgsError extends Error {
  override name = 'BenchArgsError';
}

/** The usage text (`--help`, and after a bad option). */
export const TRAIN_BENCH_USAGE = `usage: npm run bench:train -- [options]

Times pocketrec's training step (TF.js wasm, Node) and, when /usr/bin/python3 has torch, the
same-machine PyTorch reference (scripts/reference/torch-step.py) in the same session; prints a table
and the Markdown section, writes a JSON report.

  --steps N          timed steps per configuration, median reported (default 5)
  --warmup N         untimed steps first, per configuration and for the reference (default 1)
  --configs LIST     comma-separated, from ${Object.keys(TRAIN_BENCH_CONFIGS).join(', ')}
                     (default ${DEFAULT_TRAIN_BENCH_CONFIGS.join(',')})
  --no-reference     do not run PyTorch
  --python PATH      python with torch (default ${DEFAULT_REFERENCE_PYTHON})
  --data-dir DIR     folder holding movielens-1m (default: POCKETREC_DATA_DIR or ../shared/datasets)
  --out FILE         JSON report (default docs/benchmarks/train-speed-<date>.json)
  --no-json          write no JSON report
  --write-docs       replace the marked "bench:train" section of docs/benchmarks.md with this run
  --profile          also profile our step: total time per TF.js kernel, top kernels first
  --profile-only     only the profile (no timing, no reference, no JSON unless --out is given)
  --profile-steps N  profiled steps per workload (default 2)
  --profile-top N    kernels listed (default 20)
  -h, --help         this text`;

function integer(name: string, value: string, min: number): number {
  if (!/^\d+$/.test(value)) throw new BenchArgsError(`--${name} needs an integer >= ${min}, got "${value}"`);
  const n = Number(value);
  if (n < min) throw new BenchArgsError(`--${name} needs an integer >= ${min}, got ${n}`);
  return n;
}

/**
 * Parses the options (`--name value` or `--name=value`); throws `BenchArgsError` on an unknown option,
 * a missing or bad value, or an unknown configuration. `date` (YYYY-MM-DD) names the default JSON file.
 */
export function parseTrainBenchArgs(argv: readonly string[], date: string): TrainBenchArgs {
  const args: TrainBenchArgs = {
    steps: 5,
    warmup: 1,
    configs: [...DEFAULT_TRAIN_BENCH_CONFIGS],
    reference: true,
    python: DEFAULT_REFERENCE_PYTHON,
    out: `docs/benchmarks/train-speed-${date}.json`,
    writeDocs: false,
    profile: false,
    profileOnly: false,
    profileSteps: 2,
    profileTop: 20,
    help: false,
  };
  let outGiven = false;
  let noJson = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(2, eq) : arg.replace(/^--?/, '');
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new BenchArgsError(`--${name} needs a value`);
      i++;
      return next;
    };
    const noValue = (): void => {
      if (inline !== undefined) throw new BenchArgsError(`--${name} takes no value`);
    };
    if (!arg.startsWith('-')) throw new BenchArgsError(`unexpected argument "${arg}"`);
    switch (name) {
      case 'steps':
        args.steps = integer(name, value(), 1);
        break;
      case 'warmup':
        args.warmup = integer(name, value(), 0);
        break;
      case 'configs': {
        const ids = value()
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (ids.length === 0) throw new BenchArgsError('--configs needs at least one configuration');
        for (const id of ids)
          if (!(id in TRAIN_BENCH_CONFIGS))
            throw new BenchArgsError(`unknown configuration "${id}" (known: ${Object.keys(TRAIN_BENCH_CONFIGS).join(', ')})`);
        args.configs = [...new Set(ids)] as TrainBenchConfigId[];
        break;
      }
      case 'no-reference':
        noValue();
        args.reference = false;
        break;
      case 'python':
        args.python = value();
        break;
      case 'data-dir':
        args.dataDir = value();
        break;
      case 'out':
        args.out = value();
        outGiven = true;
        break;
      case 'no-json':
        noValue();
        noJson = true;
        break;
      case 'write-docs':
        noValue();
        args.writeDocs = true;
        break;
      case 'profile':
        noValue();
        args.profile = true;
        break;
      case 'profile-only':
        noValue();
        args.profile = true;
        args.profileOnly = true;
        break;
      case 'profile-steps':
        args.profileSteps = integer(name, value(), 1);
        break;
      case 'profile-top':
        args.profileTop = integer(name, value(), 1);
        break;
      case 'h':
      case 'help':
        noValue();
        args.help = true;
        break;
      default:
        throw new BenchArgsError(`unknown option "${arg}"`);
    }
  }
  if (noJson && outGiven) throw new BenchArgsError('--out and --no-json contradict each other');
  if (args.profileOnly && args.writeDocs)
    throw new BenchArgsError('--write-docs needs timings; it cannot go with --profile-only');
  if (noJson || (args.profileOnly && !outGiven)) args.out = null;
  return args;
}

/** 1-, 5- and 15-minute load averages (`os.loadavg()`). */
export type LoadAverage = [number, number, number];

/** The timed steps of one run, in seconds. */
export interface StepTimes {
  median: number;
  min: number;
  max: number;
  /** Every timed step, in order. */
  times: number[];
  loadBefore: LoadAverage;
  loadAfter: LoadAverage;
}

/** One PyTorch reference run (always two threads: torch.set_num_threads(2)). */
export interface ReferenceRun extends StepTimes {
  workload: TrainWorkload;
  torch: string;
  threads: number;
  /** The BLAS libraries mapped into the python process (an OpenBLAS path is expected). */
  blas: string[];
}

/** One row: our step in one configuration, beside the reference of its workload. */
export interface ConfigResult {
  config: TrainBenchConfigId;
  label: string;
  workload: TrainWorkload;
  batchSize: number;
  threads: 1 | 2;
  ours: StepTimes;
  /** Our median / PyTorch's median (null without a reference). */
  ratio: number | null;
}

/** The facts that say which machine a report is from. */
export interface MachineFacts {
  nproc: number;
  cpuModel: string;
  totalMemGiB: number;
  platform: string;
  arch: string;
  node: string;
  tfjs: string;
  backend: string;
}

/** Per-kernel totals of a profile. */
export interface KernelTotal {
  kernel: string;
  calls: number;
  totalMs: number;
  /** Share of the summed kernel time. */
  share: number;
}

/** The per-kernel profile of one workload's single-thread step (`--profile`). */
export interface WorkloadProfile {
  workload: TrainWorkload;
  batchSize: number;
  steps: number;
  /** Wall time of the profiled steps (profiling adds some overhead of its own). */
  wallMs: number;
  /** Summed time of every registered kernel (a kernel's internal calls count in it). */
  kernelMs: number;
  /** Custom-gradient op records left out (their time is that of kernels counted on their own). */
  scopesLeftOut: number;
  kernels: KernelTotal[];
}

/** What `npm run bench:train` writes (docs/benchmarks/train-speed-<date>.json). */
export interface TrainSpeedReport {
  kind: 'pocketrec-train-speed';
  version: 1;
  /** ISO date-time of the start (UTC). */
  date: string;
  command: string;
  machine: MachineFacts;
  steps: number;
  warmup: number;
  /** How the PyTorch reference went: measured, unavailable (with why and how to install), or skipped. */
  reference: { status: 'measured' | 'unavailable' | 'skipped'; python: string; note?: string };
  references: ReferenceRun[];
  results: ConfigResult[];
  profiles?: WorkloadProfile[];
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Step times in seconds plus the load averages around them -> `StepTimes`. */
export function summariseTimes(times: readonly number[], loadBefore: LoadAverage, loadAfter: LoadAverage): StepTimes {
  return {
    median: median(times),
    min: Math.min(...times),
    max: Math.max(...times),
    times: [...times],
    loadBefore,
    loadAfter,
  };
}

/**
 * Reads the reference script's `JSON {...}` line (torch-step.py --json); throws with the output when
 * there is none or it is malformed.
 */
export function parseReferenceOutput(stdout: string): { torch: string; threads: number; times: number[]; blas: string[] } {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith('JSON '));
  if (!line) throw new Error(`the reference printed no JSON line; its output was:\n${stdout.trim() || '(nothing)'}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.slice(5));
  } catch (error) {
    throw new Error(`the reference's JSON line does not parse (${(error as Error).message}): ${line}`, { cause: error });
  }
  const p = parsed as { torch?: unknown; threads?: unknown; times?: unknown; blas?: unknown };
  if (
    typeof p.torch !== 'string' ||
    typeof p.threads !== 'number' ||
    !Array.isArray(p.times) ||
    p.times.length === 0 ||
    !p.times.every((t) => typeof t === 'number' && Number.isFinite(t) && t >= 0)
  )
    throw new Error(`the reference's JSON line lacks torch, threads or step times: ${line}`);
  const blas = Array.isArray(p.blas) ? p.blas.filter((b): b is string => typeof b === 'string') : [];
  return { torch: p.torch, threads: p.threads, times: p.times as number[], blas };
}

/** `a/b/c` with two decimals. */
function load(l: LoadAverage): string {
  return l.map((x) => x.toFixed(2)).join('/');
}

const seconds = (s: number): string => s.toFixed(3);

/** The rows shared by the text table and the Markdown table. */
function rows(report: TrainSpeedReport): string[][] {
  const ref = (w: TrainWorkload): ReferenceRun | undefined => report.references.find((r) => r.workload === w);
  return report.results.map((r) => {
    const reference = ref(r.workload);
    return [
      r.label,
      `${seconds(r.ours.median)} (${seconds(r.ours.min)}-${seconds(r.ours.max)})`,
      reference ? `${seconds(reference.median)} (${seconds(reference.min)}-${seconds(reference.max)})` : 'not measured',
      r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`,
      `${load(r.ours.loadBefore)} -> ${load(r.ours.loadAfter)}`,
      reference ? `${load(reference.loadBefore)} -> ${load(reference.loadAfter)}` : '-',
    ];
  });
}

const HEADER = [
  'step',
  'pocketrec s/step median (min-max)',
  'PyTorch s/step median (min-max)',
  'ratio',
  'load avg 1/5/15 min, ours (before -> after)',
  'load avg, PyTorch',
];

/** The aligned plain-text table printed at the end of a run. */
export function formatTrainSpeedTable(report: TrainSpeedReport): string {
  const table = [HEADER, ...rows(report)];
  const widths = HEADER.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const line = (row: string[]): string =>
    row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd();
  return [line(table[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...table.slice(1).map(line)].join('\n');
}

/** The lines saying where the reference stands (missing torch: how to install it). */
export function referenceNote(report: TrainSpeedReport): string {
  const r = report.reference;
  if (r.status === 'measured') {
    const first = report.references[0];
    const blas = first && first.blas.length ? first.blas.join(', ') : 'unknown';
    return `PyTorch ${first?.torch ?? '?'} on ${first?.threads ?? '?'} threads (${r.python}; BLAS: ${blas}).${r.note ? ` ${r.note}` : ''}`;
  }
  if (r.status === 'skipped') return 'PyTorch reference skipped (--no-reference).';
  return `PyTorch reference not measured: ${r.note ?? 'unavailable'}`;
}

/** Start and end markers of the section `--write-docs` replaces in docs/benchmarks.md. */
export const DOCS_BEGIN = '<!-- bench:train:begin (npm run bench:train -- --write-docs replaces this section) -->';
export const DOCS_END = '<!-- bench:train:end -->';

/**
 * The Markdown of one run, markers included: date, machine, command, the table with ratios and load
 * averages, the reference note and (when `jsonLink` is given) a link to the JSON report.
 */
export function trainSpeedMarkdown(report: TrainSpeedReport, jsonLink?: string): string {
  const m = report.machine;
  const table = [HEADER, HEADER.map(() => '---'), ...rows(report)].map((row) => `| ${row.join(' | ')} |`);
  return [
    DOCS_BEGIN,
    `Measured ${report.date.slice(0, 16).replace('T', ' ')} UTC on ${m.nproc} CPUs (${m.cpuModel}), ${m.totalMemGiB} GiB, ` +
      `Node ${m.node}, TF.js ${m.tfjs} on ${m.backend}; ${report.steps} timed step(s) after ${report.warmup} warm-up ` +
      `step(s) per row: \`${report.command}\`${jsonLink ? ` ([json](${jsonLink}))` : ''}.`,
    '',
    ...table,
    '',
    referenceNote(report),
    DOCS_END,
  ].join('\n');
}

/**
 * `doc` with the text between `DOCS_BEGIN` and `DOCS_END` replaced by `section` (which carries the
 * markers); without markers the section is appended at the end. Throws when only one marker is there
 * or they are out of order, rather than guess.
 */
export function replaceDocsSection(doc: string, section: string): string {
  return replaceMarkedSection(doc, DOCS_BEGIN, DOCS_END, section, 'bench:train');
}

/** The profile as text: per workload, the top kernels by total time. */
export function formatProfile(profile: WorkloadProfile, top: number): string {
  const perStep = (ms: number): string => (ms / profile.steps).toFixed(1);
  const head = `profile: ${WORKLOAD_LABELS[profile.workload]}, one thread, ${profile.steps} step(s): wall ${perStep(profile.wallMs)} ms/step, kernels ${perStep(profile.kernelMs)} ms/step`;
  const lines = profile.kernels
    .slice(0, top)
    .map(
      (k) =>
        `  ${k.kernel.padEnd(28)} ${perStep(k.totalMs).padStart(9)} ms/step ${(100 * k.share).toFixed(1).padStart(5)}%  ${String(Math.round(k.calls / profile.steps)).padStart(5)} calls/step`,
    );
  const rest = profile.kernels.length - Math.min(top, profile.kernels.length);
  return [
    head,
    ...lines,
    ...(rest > 0 ? [`  (${rest} more kernels)`] : []),
    ...(profile.scopesLeftOut > 0
      ? [`  (${profile.scopesLeftOut} custom-gradient op records left out: their kernels are counted above)`]
      : []),
  ].join('\n');
}

/** Sums per-call kernel records by name, largest total first. */
export function totalKernels(records: readonly { name: string; ms: number }[]): KernelTotal[] {
  const byName = new Map<string, { calls: number; totalMs: number }>();
  for (const r of records) {
    const t = byName.get(r.name) ?? { calls: 0, totalMs: 0 };
    t.calls++;
    t.totalMs += r.ms;
    byName.set(r.name, t);
  }
  const sum = [...byName.values()].reduce((s, t) => s + t.totalMs, 0);
  return [...byName.entries()]
    .map(([kernel, t]) => ({ kernel, calls: t.calls, totalMs: t.totalMs, share: sum > 0 ? t.totalMs / sum : 0 }))
    .sort((a, b) => b.totalMs - a.totalMs || a.kernel.localeCompare(b.kernel));
}
