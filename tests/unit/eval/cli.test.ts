/** `pocketrec import` / `pocketrec eval` end to end on fixtures and the shipped ml-latest-small. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { captureCliOutput } from '../cli-output.ts';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/data');
const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const output = captureCliOutput();

describe('pocketrec import', () => {
  it('prints the summary of a dataset folder', async () => {
    expect(await main(['import', '--dataset', join(FIXTURES, 'taobao')])).toBe(0);
    expect(output.stdout).toContain('users     2');
    expect(output.stdout).toContain('events    5 (5 with timestamps)');
    expect(output.stdout).toContain('outcomes  pv 2 · cart 1 · fav 1 · buy 1');
    expect(output.stdout).toContain('dropped   duplicate row: 1');
  });

  it('a malformed row is a usage-style error naming file and line (exit 2)', async () => {
    const dir = join(tmp, 'bad-ml-100k');
    cpSync(join(FIXTURES, 'ml-100k'), dir, { recursive: true });
    writeFileSync(join(dir, 'u.data'), '196\t2\t3\t881250949\n196\t1\t5\n');
    expect(await main(['import', '--dataset', dir])).toBe(2);
    expect(output.stderr).toContain('pocketrec import: u.data:2: expected 4 fields, got 3');
  });

  it('a missing data directory names the path and the override (exit 2)', async () => {
    expect(await main(['import', '--dataset', 'beauty', '--data-dir', join(tmp, 'none')])).toBe(2);
    expect(output.stderr).toContain(join(tmp, 'none', 'amazon-beauty'));
    expect(output.stderr).toContain('--data-dir');
  });
});

describe('pocketrec eval', () => {
  it('evaluates popular on ml-latest-small and writes JSON and the top-100 TSV', async () => {
    const out = join(tmp, 'res', 'pop.json');
    const top = join(tmp, 'top.tsv');
    const code = await main([
      'eval',
      '--dataset',
      'ml-latest-small',
      '--model',
      'popular',
      '--max-users',
      '20',
      '--k',
      '10,50',
      '--out',
      out,
      '--top100',
      top,
    ]);
    expect(code).toBe(0);
    expect(output.stdout).toMatch(/HR@10\s+\d\.\d{4}\s+\d\.\d{4}/);
    const json = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown> & {
      metrics: { masked: Record<string, number> };
    };
    expect(json).toMatchObject({
      dataset: 'ml-latest-small',
      model: 'popular',
      split: 'loo',
      part: 'test',
      users: 20,
      itemCount: 9742,
    });
    expect(Object.keys(json.metrics.masked)).toEqual(
      expect.arrayContaining(['HR@10', 'NDCG@10', 'HR@50', 'NDCG@50', 'MRR', 'Coverage@10']),
    );
    for (const key of ['command', 'machine', 'date', 'gitCommit']) expect(typeof json[key]).toBe('string');
    expect(output.stdout).toMatch(/Coherence@20\s+\d\.\d{4}\s+\d\.\d{4}/);
    const coherence = json.coherence as { attribute: string; users: number; skippedNoLoved: number; skippedNoAttribute: number };
    expect(coherence.attribute).toBe('genre');
    expect(coherence.users).toBeGreaterThan(0);
    expect(coherence.users + coherence.skippedNoLoved + coherence.skippedNoAttribute).toBe(20);
    expect(json.metrics.masked['Coherence@20']).toBeGreaterThan(0);
    expect(json.metrics.masked['Coherence@20']).toBeLessThanOrEqual(1);
    expect(json.metrics.masked['Coherence3@20']).toBeLessThanOrEqual(json.metrics.masked['Coherence@20']!);
    const lines = readFileSync(top, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(20 * 100);
    expect(lines[0]!.split('\t')).toHaveLength(4);
    expect(lines[0]!.startsWith('1\t1\t')).toBe(true); // raw user id 1, rank 1
  });

  it('reports Coherence@20 as skipped, with the reason, for a dataset without a love outcome', async () => {
    expect(await main(['eval', '--dataset', join(FIXTURES, 'taobao'), '--model', 'popular'])).toBe(0);
    expect(output.stdout).toMatch(/Coherence@20: skipped for all \d+ users: no 'love' outcome/);
  });

  it('rejects an unknown model with the accepted list', async () => {
    expect(await main(['eval', '--dataset', join(FIXTURES, 'taobao'), '--model', 'magic'])).toBe(2);
    expect(output.stderr).toContain('unknown --model "magic"; accepted: popular, cooc');
  });
});
