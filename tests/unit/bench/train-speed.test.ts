/**
 * `npm run bench:train` without measuring anything: option parsing (bad options exit 2 with the
 * usage), the reference script's output parsing, and the report's table / Markdown / docs section.
 */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BenchArgsError,
  DOCS_BEGIN,
  DOCS_END,
  TRAIN_BENCH_USAGE,
  formatProfile,
  formatTrainSpeedTable,
  median,
  parseReferenceOutput,
  parseTrainBenchArgs,
  replaceDocsSection,
  summariseTimes,
  totalKernels,
  trainSpeedMarkdown,
  type TrainSpeedReport,
} from '../../../src/bench/train-speed-report.ts';

const DATE = '2026-12-01';

describe('parseTrainBenchArgs', () => {
  it('defaults to the three rows of issue 14, 5 steps after 1 warm-up, a dated JSON file', () => {
    const a = parseTrainBenchArgs([], DATE);
    expect(a.configs).toEqual(['hstu-1t', 'hstu-2t', 'full-2t', 'full-dropout-2t']);
    expect([a.steps, a.warmup, a.reference, a.python]).toEqual([5, 1, true, '/usr/bin/python3']);
    expect(a.out).toBe('docs/benchmarks/train-speed-2026-12-01.json');
    expect([a.writeDocs, a.profile, a.profileOnly, a.help]).toEqual([false, false, false, false]);
  });

  it('reads values in both spellings and the flags', () => {
    const a = parseTrainBenchArgs(
      [
        '--steps',
        '3',
        '--warmup=0',
        '--configs',
        'full-2t, hstu-1t,full-2t',
        '--no-reference',
        '--data-dir',
        '/d',
        '--write-docs',
        '--profile',
        '--profile-top=5',
      ],
      DATE,
    );
    expect(a.steps).toBe(3);
    expect(a.warmup).toBe(0);
    expect(a.configs).toEqual(['full-2t', 'hstu-1t']);
    expect(a.reference).toBe(false);
    expect(a.dataDir).toBe('/d');
    expect(a.writeDocs).toBe(true);
    expect(a.profile).toBe(true);
    expect(a.profileTop).toBe(5);
    expect(parseTrainBenchArgs(['--no-json'], DATE).out).toBeNull();
    expect(parseTrainBenchArgs(['--out', 'x.json'], DATE).out).toBe('x.json');
    const p = parseTrainBenchArgs(['--profile-only'], DATE);
    expect([p.profile, p.profileOnly, p.out]).toEqual([true, true, null]);
    expect(parseTrainBenchArgs(['--profile-only', '--out', 'p.json'], DATE).out).toBe('p.json');
    expect(parseTrainBenchArgs(['-h'], DATE).help).toBe(true);
  });

  it.each([
    [['--steps', '0'], /--steps needs an integer >= 1, got 0/],
    [['--steps', '2.5'], /--steps needs an integer/],
    [['--warmup', '-1'], /--warmup needs an integer >= 0, got "-1"/],
    [['--steps'], /--steps needs a value/],
    [['--steps', '--profile'], /--steps needs a value/],
    [
      ['--configs', 'hstu-3t'],
      /unknown configuration "hstu-3t" \(known: hstu-1t, hstu-2t, full-1t, full-2t, full-dropout-1t, full-dropout-2t\)/,
    ],
    [['--configs', ','], /at least one configuration/],
    [['--speed'], /unknown option "--speed"/],
    [['5'], /unexpected argument "5"/],
    [['--profile=yes'], /--profile takes no value/],
    [['--out', 'a.json', '--no-json'], /contradict/],
    [['--profile-only', '--write-docs'], /--write-docs needs timings/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseTrainBenchArgs(argv, DATE)).toThrow(BenchArgsError);
    expect(() => parseTrainBenchArgs(argv, DATE)).toThrow(message);
  });

  it('the command exits 2 with the usage on a bad option, before loading any data', () => {
    const root = resolve(import.meta.dirname, '../../..');
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench-train.ts', '--steps', 'x'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--steps needs an integer >= 1, got "x"');
    expect(run.stderr).toContain(TRAIN_BENCH_USAGE.split('\n')[0]);
    expect(run.stdout).not.toContain('loading ML-1M');
  });
});

describe('reference output', () => {
  const out = [
    'torch 1.13.0 128 negatives, batch 128: median 0.870 s/step (min 0.860, max 0.900) over 3',
    'JSON {"torch": "1.13.0", "threads": 2, "blas": ["/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"], "workload": "hstu", "batch": 128, "warmup": 1, "times": [0.9, 0.86, 0.87]}',
    '',
  ].join('\n');

  it('reads the JSON line', () => {
    expect(parseReferenceOutput(out)).toEqual({
      torch: '1.13.0',
      threads: 2,
      times: [0.9, 0.86, 0.87],
      blas: ['/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3'],
    });
  });

  it('fails clearly without one, or with a bad one', () => {
    expect(() => parseReferenceOutput('Traceback: boom\n')).toThrow(/printed no JSON line; its output was:\nTraceback: boom/);
    expect(() => parseReferenceOutput('JSON {"torch": 1')).toThrow(/does not parse/);
    expect(() => parseReferenceOutput('JSON {"torch": "1.13", "threads": 2, "times": []}')).toThrow(/lacks/);
    expect(() => parseReferenceOutput('JSON {"torch": "1.13", "threads": 2, "times": [null]}')).toThrow(/lacks/);
  });
});

describe('report', () => {
  it('median and summary', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
    const s = summariseTimes([2, 1, 5], [1, 2, 3], [4, 5, 6]);
    expect(s).toEqual({ median: 2, min: 1, max: 5, times: [2, 1, 5], loadBefore: [1, 2, 3], loadAfter: [4, 5, 6] });
  });

  const report = (withReference: boolean): TrainSpeedReport => ({
    kind: 'pocketrec-train-speed',
    version: 1,
    date: '2026-12-01T08:30:12.000Z',
    command: 'npm run bench:train -- --steps 2',
    machine: {
      nproc: 2,
      cpuModel: 'Test CPU',
      totalMemGiB: 24,
      platform: 'linux',
      arch: 'x64',
      node: '20.0.0',
      tfjs: '4.22.0',
      backend: 'wasm',
    },
    steps: 2,
    warmup: 1,
    reference: withReference
      ? { status: 'measured', python: '/usr/bin/python3' }
      : { status: 'unavailable', python: '/usr/bin/python3', note: 'no torch. To measure it: apt-get install -y python3-torch' },
    references: withReference
      ? [
          {
            workload: 'hstu',
            torch: '1.13.0',
            threads: 2,
            blas: ['libopenblas.so'],
            ...summariseTimes([0.5, 0.7], [1, 1, 1], [1.5, 1, 1]),
          },
        ]
      : [],
    results: [
      {
        config: 'hstu-2t',
        label: 'HSTU two threads',
        workload: 'hstu',
        batchSize: 128,
        threads: 2,
        ours: summariseTimes([1.1, 1.3], [0.25, 0.5, 1], [2, 1, 1]),
        ratio: withReference ? 2 : null,
      },
    ],
  });

  it('table and Markdown carry the medians, the ratio and the load averages', () => {
    const table = formatTrainSpeedTable(report(true));
    expect(table).toMatch(
      /HSTU two threads +1\.200 \(1\.100-1\.300\) +0\.600 \(0\.500-0\.700\) +2\.00x +0\.25\/0\.50\/1\.00 -> 2\.00\/1\.00\/1\.00 +1\.00\/1\.00\/1\.00 -> 1\.50\/1\.00\/1\.00/,
    );
    const md = trainSpeedMarkdown(report(true), 'benchmarks/train-speed-2026-12-01.json');
    expect(md.startsWith(DOCS_BEGIN)).toBe(true);
    expect(md.endsWith(DOCS_END)).toBe(true);
    expect(md).toContain('Measured 2026-12-01 08:30 UTC on 2 CPUs (Test CPU), 24 GiB');
    expect(md).toContain('`npm run bench:train -- --steps 2` ([json](benchmarks/train-speed-2026-12-01.json))');
    expect(md).toContain('| HSTU two threads | 1.200 (1.100-1.300) | 0.600 (0.500-0.700) | 2.00x |');
    expect(md).toContain('PyTorch 1.13.0 on 2 threads (/usr/bin/python3; BLAS: libopenblas.so).');
  });

  it('without the reference: our figures, no ratio, and how to install torch', () => {
    const md = trainSpeedMarkdown(report(false));
    expect(md).toContain('| HSTU two threads | 1.200 (1.100-1.300) | not measured | - |');
    expect(md).toContain('PyTorch reference not measured: no torch. To measure it: apt-get install -y python3-torch');
    expect(md).not.toContain('[json]');
  });

  it('replaces only the marked docs section, appends one when absent, refuses a broken one', () => {
    const section = `${DOCS_BEGIN}\nnew\n${DOCS_END}`;
    const doc = `# B\n\nbefore\n${DOCS_BEGIN}\nold table\n${DOCS_END}\nafter\n`;
    expect(replaceDocsSection(doc, section)).toBe(`# B\n\nbefore\n${DOCS_BEGIN}\nnew\n${DOCS_END}\nafter\n`);
    expect(replaceDocsSection('# B\ntext\n\n\n', section)).toBe(`# B\ntext\n\n${section}\n`);
    expect(() => replaceDocsSection(`x\n${DOCS_BEGIN}\n`, section)).toThrow(/broken bench:train section/);
    expect(() => replaceDocsSection(`${DOCS_END}\n${DOCS_BEGIN}\n`, section)).toThrow(/broken/);
  });

  it('profile totals kernels by name, largest first, with shares', () => {
    const kernels = totalKernels([
      { name: 'MatMul', ms: 3 },
      { name: 'Add', ms: 1 },
      { name: 'MatMul', ms: 4 },
      { name: 'Transpose', ms: 2 },
    ]);
    expect(kernels).toEqual([
      { kernel: 'MatMul', calls: 2, totalMs: 7, share: 0.7 },
      { kernel: 'Transpose', calls: 1, totalMs: 2, share: 0.2 },
      { kernel: 'Add', calls: 1, totalMs: 1, share: 0.1 },
    ]);
    const text = formatProfile(
      { workload: 'hstu', batchSize: 128, steps: 2, wallMs: 30, kernelMs: 10, scopesLeftOut: 3, kernels },
      2,
    );
    expect(text).toContain('wall 15.0 ms/step, kernels 5.0 ms/step');
    expect(text).toMatch(/MatMul +3\.5 ms\/step +70\.0% +1 calls\/step/);
    expect(text).toContain('(1 more kernels)');
    expect(text).toContain('(3 custom-gradient op records left out');
    expect(text).not.toContain('Add');
  });
});
