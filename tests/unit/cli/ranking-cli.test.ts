/**
 * `pocketrec train --ranking-head` options and an end-to-end run: the export carries the ranking head
 * (model.ranking + rank.* tensors) and `pocketrec eval --rank` reports re-ranking and outcome metrics.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from '../../../src/cli/args.ts';
import { options as trainOptions, trainSettings } from '../../../src/cli/commands/train.ts';
import { main } from '../../../src/cli/main.ts';
import { DEFAULT_RANKING_OPTIONS } from '../../../src/train/ranking-targets.ts';
import { auc } from '../../../src/eval/rank-eval.ts';
import { captureCliOutput } from '../cli-output.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-ranking-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const output = captureCliOutput();

const settings = (...extra: string[]) => trainSettings(parseArgs(['--dataset', 'x', ...extra], trainOptions));

describe('pocketrec train --ranking-head', () => {
  it('parses the ranking options; they need --ranking-head; --workers 2 is refused', () => {
    expect(settings().train.ranking).toBeUndefined();
    expect(settings('--ranking-head').train.ranking).toEqual(DEFAULT_RANKING_OPTIONS);
    expect(
      settings(
        '--ranking-head',
        '--ranking-weight',
        '0.5',
        '--ranking-negatives',
        '3',
        '--ranking-positions',
        '2',
        '--ranking-dim',
        '16',
      ).train.ranking,
    ).toEqual({ weight: 0.5, negatives: 3, positions: 2, hiddenDim: 16 });
    expect(settings('--ranking-head', '--ranking-hard', '50').train.ranking?.hard).toBe(50);
    expect(() => settings('--ranking-hard', '50')).toThrow(/--ranking-hard needs --ranking-head/);
    expect(() => settings('--ranking-weight', '0.5')).toThrow(/--ranking-weight needs --ranking-head/);
    expect(() => settings('--ranking-head', '--ranking-negatives', '0')).toThrow(UsageError);
    expect(() => settings('--ranking-head', '--workers', '2')).toThrow(/--workers 2/);
  });

  it('exports a model with a ranking head', async () => {
    const rows = ['user,item,timestamp,outcome'];
    for (let u = 0; u < 30; u++)
      for (let k = 0; k < 7; k++) {
        const item = (u + k) % 15;
        rows.push(`u${u},i${item},${1_700_000_000 + k * 3600},${item % 2 === 0 ? 'love' : 'dislike'}`);
      }
    const data = join(tmp, 'events.csv');
    writeFileSync(data, `${rows.join('\n')}\n`);
    const out = join(tmp, 'model');
    const tiny = ['--dim', '8', '--maxlen', '8', '--batch', '16', '--negatives', '4', '--epochs', '1'];
    expect(await main(['train', '--dataset', data, ...tiny, '--ranking-head', '--ranking-dim', '8', '--out', out])).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      model: { ranking?: { hiddenDim: number } };
      tensors: { name: string; shape: number[] }[];
      outcomes: string[];
    };
    expect(manifest.model.ranking).toEqual({ hiddenDim: 8 });
    const classes = manifest.outcomes.length + 1;
    expect(manifest.tensors.find((t) => t.name === 'rank.mlp.out.kernel')?.shape).toEqual([8, classes]);
    expect(output.stderr).toMatch(/"ranking":\{"weight":1/);

    // eval --rank: retrieval vs re-ranked order of the top N, outcome AUC and log-loss vs baselines.
    output.stdout = '';
    const json = join(tmp, 'rank.json');
    expect(await main(['eval', '--dataset', data, '--model', join(out, 'manifest.json'), '--rank', '10', '--out', json])).toBe(0);
    expect(output.stdout).toMatch(/re-ranking the retrieval top 10 with the ranking head/);
    expect(output.stdout).toMatch(/outcome AUC, p\(love\) vs p\(dislike\) on 30 targets/);
    const result = JSON.parse(readFileSync(json, 'utf8')) as {
      ranking: { cases: number; inCandidates: number; reranked: object };
    };
    expect(result.ranking.cases).toBe(30);
    expect(result.ranking.inCandidates).toBeGreaterThanOrEqual(0);
    expect(Object.keys(result.ranking.reranked)).toEqual(['HR@10', 'NDCG@10', 'HR@3']);
    // --rank needs a model with a ranking head, and a decoder model at all.
    expect(await main(['eval', '--dataset', data, '--model', 'popular', '--rank', '10'])).toBe(2);
  });

  it('AUC counts ties as half and is 1 for a perfect separation', () => {
    expect(auc([0.9, 0.8], [0.1, 0.2])).toBe(1);
    expect(auc([0.1], [0.9])).toBe(0);
    expect(auc([0.5, 0.7], [0.5, 0.1])).toBeCloseTo(0.875, 10);
    expect(Number.isNaN(auc([], [0.3]))).toBe(true);
  });
});
