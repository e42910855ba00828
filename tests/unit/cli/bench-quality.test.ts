/**
 * `pocketrec bench` (issue 13's quality benchmark): one real end-to-end run on a small generated log
 * (import -> popular -> tuned cooc -> train -> eval, each a child `pocketrec`), its report against the
 * files the stages wrote, the usage errors, a failing stage, and the pure report helpers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import {
  lastJsonLine,
  qualityCurve,
  qualityMarkdown,
  QUALITY_DOCS_BEGIN,
  QUALITY_DOCS_END,
  recipeFor,
  splitArgs,
  type QualityReport,
} from '../../../src/cli/quality-bench.ts';
import { replaceMarkedSection } from '../../../src/util/marked-section.ts';
import { captureCliOutput } from '../cli-output.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-bench-quality-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const output = captureCliOutput();

/** 40 users walking a cycle of 20 items (240 events). */
function events(): string {
  const rows = ['user,item,order'];
  for (let u = 0; u < 40; u++) for (let k = 0; k < 6; k++) rows.push(`u${u},i${(u + k) % 20},${k}`);
  const path = join(tmp, 'events.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}
const tiny = '--train-args=--dim 8 --maxlen 8 --batch 24 --epochs 2 --negatives 4';

describe('pocketrec bench', () => {
  it('runs every stage on a generic log and reports what the stages wrote', { timeout: 180_000 }, async () => {
    const out = join(tmp, 'out');
    const code = await main([
      'bench',
      '--datasets',
      events(),
      '--reference-steps',
      '0',
      '--budget-minutes',
      '5',
      tiny,
      '--out',
      out,
    ]);
    expect(code, output.stderr).toBe(0);
    const reportFile = output.stderr.match(/wrote (\S+quality-\d{4}-\d\d-\d\d\.json)/)?.[1];
    expect(reportFile).toBeDefined();
    const report = JSON.parse(readFileSync(reportFile!, 'utf8')) as QualityReport;
    const d = report.datasets[0]!;
    expect(d.import).toEqual({ users: 40, items: 20, events: 240 });
    expect(d.recipe).toBe('custom');
    expect(d.trainArgs).toEqual([
      '--dim',
      '8',
      '--maxlen',
      '8',
      '--batch',
      '24',
      '--epochs',
      '2',
      '--negatives',
      '4',
      '--max-minutes',
      '5',
    ]);
    // The report's figures are the ones the eval commands wrote.
    for (const [scores, file] of [
      [d.popular, 'popular.json'],
      [d.cooc, 'cooc.json'],
      [d.decoder, 'decoder.json'],
    ] as const) {
      const written = JSON.parse(readFileSync(join(out, 'events', file), 'utf8')) as {
        metrics: { masked: Record<string, number> };
      };
      expect(scores.metrics).toEqual(written.metrics.masked);
      const lists = readFileSync(join(out, scores.top100), 'utf8').trim().split('\n');
      expect(lists.length).toBeGreaterThan(0);
      expect(lists[0]).toMatch(/^u\d+\t1\ti\d+\t/);
    }
    expect(d.cooc.params).toMatch(/window=/); // tuned on validation
    expect(d.cooc.command).toContain('--tune');
    expect(d.decoder.epochs).toBe(2);
    expect(d.decoder.curve.map((p) => p.epoch)).toEqual([1, 2]);
    expect(d.decoder.curve[1]!.minutes).toBeGreaterThan(d.decoder.curve[0]!.minutes);
    expect(report.referenceStep.singleThreadSeconds).toBeNull();
    expect(report.referenceStep.note).toContain('--reference-steps 0');
    expect(output.stdout).toMatch(/events\.csv\s+\.\d{4} \/ \.\d{4}/);
  });

  it('a stage that fails exits 1 naming the command and its log', { timeout: 60_000 }, async () => {
    const bad = join(tmp, 'bad.csv');
    writeFileSync(bad, 'user,item,order\nu1,i1,1\nu1\n');
    expect(await main(['bench', '--datasets', bad, '--reference-steps', '0', '--out', join(tmp, 'bad')])).toBe(1);
    expect(output.stderr).toMatch(/pocketrec bench: `.*import --dataset .*bad\.csv.*` failed \(2\); log: .*import\.log/);
    expect(output.stderr).toMatch(/bad\.csv:3: expected 3 fields/); // the importer names the line
  });

  it.each([
    [[], /--datasets/],
    [['--datasets', 'x', '--train-args=--out y'], /may not contain --out/],
    [['--datasets', 'x', '--train-args=--dim "8'], /unclosed quote/],
    [['--datasets', 'a.csv,b.csv', '--items', 'i.csv'], /single path/],
    [['--datasets', 'x', '--budget-minutes', '0'], /budget-minutes/],
    [['--datasets', 'x', '--bogus'], /bogus/],
  ])('bad options %j exit 2 with the usage', async (argv, message) => {
    expect(await main(['bench', ...argv])).toBe(2);
    expect(output.stderr).toMatch(message);
    expect(output.stderr).toContain('Usage: pocketrec bench');
  });
});

describe('quality report helpers', () => {
  it('splits --train-args with quotes and rejects an unclosed one', () => {
    expect(splitArgs(` --dim 64  --attribution "a b" --x 'c d' `)).toEqual(['--dim', '64', '--attribution', 'a b', '--x', 'c d']);
    expect(() => splitArgs('--a "b')).toThrow(/unclosed/);
  });

  it('dense movie logs and sparse logs get different recipes', () => {
    expect(recipeFor('ml-1m').name).toBe('dense');
    expect(recipeFor('beauty').name).toBe('sparse');
    expect(recipeFor('/data/my-log.csv').name).toBe('sparse');
  });

  it('the curve accumulates epoch seconds and skips epochs without validation', () => {
    const curve = qualityCurve([
      { epoch: 1, seconds: 60, validation: { 'HR@10': 0.1, 'NDCG@10': 0.05 } },
      { epoch: 2, seconds: 30 },
      { epoch: 3, seconds: 30, validation: { 'HR@10': 0.2, 'NDCG@10': 0.1 } },
    ]);
    expect(curve).toEqual([
      { epoch: 1, minutes: 1, hr10: 0.1, ndcg10: 0.05 },
      { epoch: 3, minutes: 2, hr10: 0.2, ndcg10: 0.1 },
    ]);
  });

  it('reads a whole JSON document or the last JSON line of a command output', () => {
    expect(lastJsonLine('{\n  "users": 3\n}\n')).toEqual({ users: 3 });
    expect(lastJsonLine('log\n{"a":1}\nnot json\n{"b":2}\n')).toEqual({ b: 2 });
    expect(lastJsonLine('nothing here')).toBeUndefined();
  });

  it('the Markdown section carries the markers, the gain over cooc and the curve, and replaces the old one', () => {
    const scores = (hr: number, ndcg: number) => ({ metrics: { 'HR@10': hr, 'NDCG@10': ndcg }, command: 'c', top100: 't' });
    const report: QualityReport = {
      date: '2026-12-01T10:00:00.000Z',
      machine: '2-core test',
      gitCommit: 'abc',
      budgetMinutes: 60,
      loadAverage: { before: [1, 1, 1], after: [1.5, 1, 1] },
      referenceStep: { singleThreadSeconds: 3, twoThreadSeconds: 1.7, command: 'npx tsx src/train/step-benchmark.ts 3' },
      datasets: [
        {
          dataset: 'beauty',
          recipe: 'sparse',
          trainArgs: ['--dropout', '0.3'],
          import: { users: 1, items: 1, events: 1 },
          popular: scores(0.01, 0.005),
          cooc: scores(0.07, 0.045),
          decoder: {
            ...scores(0.077, 0.0495),
            epochs: 9,
            bestEpoch: 7,
            trainMinutes: 30,
            curve: [{ epoch: 1, minutes: 3.3, hr10: 0.05, ndcg10: 0.03 }],
            model: 'beauty/model',
          },
          stageSeconds: {},
        },
      ],
    };
    const md = qualityMarkdown(report, 'pocketrec bench --datasets beauty', 'docs/benchmarks/q.json');
    expect(md.startsWith(QUALITY_DOCS_BEGIN) && md.endsWith(QUALITY_DOCS_END)).toBe(true);
    expect(md).toContain('| beauty | .0100 / .0050 | .0700 / .0450 | .0770 / .0495 | +10.0% | +10.0% |');
    expect(md).toContain('3.00 s/step one thread, 1.70 s/step two threads');
    expect(md).toContain('3.3 min .0500/.0300');
    const doc = `# B\n${QUALITY_DOCS_BEGIN}\nold\n${QUALITY_DOCS_END}\ntail\n`;
    expect(replaceMarkedSection(doc, QUALITY_DOCS_BEGIN, QUALITY_DOCS_END, md, 'bench:quality')).toBe(`# B\n${md}\ntail\n`);
    expect(() =>
      replaceMarkedSection(`${QUALITY_DOCS_END}\n${QUALITY_DOCS_BEGIN}`, QUALITY_DOCS_BEGIN, QUALITY_DOCS_END, md, 'q'),
    ).toThrow(/broken q section/);
  });
});
