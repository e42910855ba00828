/**
 * `npm run bench:train`: training speed against the same-machine PyTorch reference (issue 14,
 * docs/benchmarks.md "Training speed against PyTorch"). For each selected configuration it times our
 * step (src/bench/train-speed.ts) and, per workload, PyTorch's (scripts/reference/torch-step.py run
 * with /usr/bin/python3 when it has torch) in this one session; prints a table and the Markdown
 * section, writes the JSON report, and with --write-docs replaces the marked section of
 * docs/benchmarks.md. `--profile` adds the per-kernel time of our step. Options: --help.
 * Bad options exit 2 with the usage; a failed measurement exits 1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { register } from 'node:module';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import {
  BenchArgsError,
  QUALITY_DROPOUT,
  TORCH_INSTALL_HINT,
  TRAIN_BENCH_CONFIGS,
  TRAIN_BENCH_USAGE,
  formatProfile,
  formatTrainSpeedTable,
  parseReferenceOutput,
  parseTrainBenchArgs,
  referenceNote,
  replaceDocsSection,
  summariseTimes,
  trainSpeedMarkdown,
  type LoadAverage,
  type ReferenceRun,
  type TrainBenchArgs,
  type TrainSpeedReport,
  type TrainWorkload,
  type WorkloadProfile,
} from '../src/bench/train-speed-report.ts';

const root = resolve(import.meta.dirname, '..');
const REFERENCE_SCRIPT = join(root, 'scripts/reference/torch-step.py');
const DOCS_FILE = join(root, 'docs/benchmarks.md');

function say(line: string): void {
  process.stdout.write(`[bench:train] ${line}\n`);
}

/** Whether `python` imports torch; the reason when it does not. */
function probeTorch(python: string): { ok: true } | { ok: false; why: string } {
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error) return { ok: false, why: `${python} cannot be run (${probe.error.message})` };
  if (probe.status !== 0)
    return { ok: false, why: `${python} cannot import torch (${probe.stderr.trim().split('\n').pop() ?? 'no message'})` };
  return { ok: true };
}

/** One reference run of `workload`; throws with the script's output when it fails. */
function runReference(python: string, workload: TrainWorkload, steps: number, warmup: number): ReferenceRun {
  const args = [
    REFERENCE_SCRIPT,
    String(steps),
    ...(workload === 'hstu' ? [] : ['--full-softmax']),
    ...(workload === 'full-dropout' ? ['--dropout', String(QUALITY_DROPOUT)] : []),
    '--warmup',
    String(warmup),
    '--json',
  ];
  say(`PyTorch reference (${workload}): ${python} ${args.map((a) => relative(root, a) || a).join(' ')}`);
  const loadBefore = loadavg() as LoadAverage;
  const run = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 16 * 2 ** 20 });
  const loadAfter = loadavg() as LoadAverage;
  if (run.error || run.status !== 0)
    throw new Error(
      `the PyTorch reference failed (${run.error?.message ?? `exit ${run.status ?? run.signal}`}):\n${(run.stderr ?? '').trim()}`,
    );
  const parsed = parseReferenceOutput(run.stdout);
  const summary = run.stdout.split('\n').find((l) => l.startsWith('torch '));
  if (summary) say(`  ${summary}`);
  return {
    workload,
    torch: parsed.torch,
    threads: parsed.threads,
    blas: parsed.blas,
    ...summariseTimes(parsed.times, loadBefore, loadAfter),
  };
}

async function main(args: TrainBenchArgs): Promise<void> {
  const started = new Date();
  const command = `npm run bench:train${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const configs = args.configs.map((id) => TRAIN_BENCH_CONFIGS[id]);
  const workloads = [...new Set(configs.map((c) => c.workload))];
  say(
    `load average at start: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} on ${availableParallelism()} CPUs`,
  );
  say('loading ML-1M and setting up the wasm backend ...');
  // Training needs TF.js's per-op gradient modules, which Node loads only through this hook (as the
  // CLI does); so the measuring code is imported after registering it.
  register('../bin/tfjs-esm-hook.mjs', import.meta.url);
  const { loadTrainBenchData, profileTrainStep, timeTrainStep } = await import('../src/bench/train-speed.ts');
  const data = await loadTrainBenchData(args.dataDir);

  let reference: TrainSpeedReport['reference'] = { status: 'skipped', python: args.python };
  if (args.reference && !args.profileOnly) {
    const probe = probeTorch(args.python);
    reference = probe.ok
      ? { status: 'measured', python: args.python }
      : { status: 'unavailable', python: args.python, note: `${probe.why}. To measure it: ${TORCH_INSTALL_HINT}` };
    if (!probe.ok)
      say(
        `PyTorch reference not available: ${probe.why}\n  install it with: ${TORCH_INSTALL_HINT}\n  our figures follow anyway.`,
      );
  }

  const report: TrainSpeedReport = {
    kind: 'pocketrec-train-speed',
    version: 1,
    date: started.toISOString(),
    command,
    machine: {
      nproc: availableParallelism(),
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      totalMemGiB: Math.round(totalmem() / 2 ** 30),
      platform: process.platform,
      arch: process.arch,
      node: process.versions.node,
      tfjs: data.tfjs,
      backend: data.backend,
    },
    steps: args.steps,
    warmup: args.warmup,
    reference,
    references: [],
    results: [],
  };

  if (!args.profileOnly)
    for (const workload of workloads) {
      if (reference.status === 'measured') {
        const run = runReference(args.python, workload, args.steps, args.warmup);
        report.references.push(run);
        if (!run.blas.some((b) => /openblas/i.test(b))) {
          reference.note = `Warning: no OpenBLAS in the reference process (${run.blas.join(', ') || 'no BLAS library seen'}); Debian's reference BLAS is ~6x slower: apt-get install -y libopenblas0-pthread.`;
          say(reference.note);
        }
      }
      for (const bench of configs.filter((c) => c.workload === workload)) {
        say(`ours: ${bench.label} (${bench.id})`);
        const ours = await timeTrainStep(data, bench, args.steps, args.warmup, (line) => say(`  ${line}`));
        const ref = report.references.find((r) => r.workload === workload);
        report.results.push({
          config: bench.id,
          label: bench.label,
          workload,
          batchSize: bench.batchSize,
          threads: bench.threads,
          ours,
          ratio: ref ? ours.median / ref.median : null,
        });
      }
    }

  if (args.profile) {
    const profiles: WorkloadProfile[] = [];
    for (const workload of workloads) {
      const batchSize = configs.find((c) => c.workload === workload)!.batchSize;
      say(`profiling ${workload} (batch ${batchSize}, one thread, ${args.profileSteps} step(s)) ...`);
      profiles.push(await profileTrainStep(data, workload, batchSize, args.profileSteps, (line) => say(`  ${line}`)));
    }
    report.profiles = profiles;
  }

  const jsonPath = args.out === null ? null : resolve(root, args.out);
  const docsLink = jsonPath ? relative(dirname(DOCS_FILE), jsonPath).split('\\').join('/') : undefined;
  process.stdout.write('\n');
  if (!args.profileOnly) {
    process.stdout.write(`${formatTrainSpeedTable(report)}\n\n${referenceNote(report)}\n\n`);
    const markdown = trainSpeedMarkdown(report, docsLink && !docsLink.startsWith('..') ? docsLink : undefined);
    if (args.writeDocs) {
      writeFileSync(DOCS_FILE, replaceDocsSection(readFileSync(DOCS_FILE, 'utf8'), markdown));
      say(`replaced the bench:train section of ${relative(root, DOCS_FILE)}`);
    } else process.stdout.write(`Markdown for docs/benchmarks.md (or rerun with --write-docs):\n\n${markdown}\n\n`);
  }
  for (const profile of report.profiles ?? []) process.stdout.write(`${formatProfile(profile, args.profileTop)}\n\n`);
  if (jsonPath) {
    mkdirSync(dirname(jsonPath), { recursive: true });
    if (existsSync(jsonPath)) say(`overwriting ${jsonPath}`);
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    say(`wrote ${jsonPath.startsWith(root) ? relative(root, jsonPath) : jsonPath}`);
  }
}

let args: TrainBenchArgs;
try {
  args = parseTrainBenchArgs(process.argv.slice(2), new Date().toISOString().slice(0, 10));
} catch (error) {
  if (!(error instanceof BenchArgsError)) throw error;
  process.stderr.write(`bench:train: ${error.message}\n\n${TRAIN_BENCH_USAGE}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(`${TRAIN_BENCH_USAGE}\n`);
  process.exit(0);
}
try {
  await main(args);
  // The gradient worker is closed, but TF.js may keep handles alive; the run is complete.
  process.exit(0);
} catch (error) {
  process.stderr.write(`bench:train failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
