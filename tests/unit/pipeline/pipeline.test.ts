/**
 * The browser's training pipeline (src/pipeline/run.ts), run in Node on `Blob`s exactly as the training
 * worker runs it on dropped `File`s:
 * - it is the CLI's pipeline: the same settings give the same losses and test metrics as `pocketrec train`;
 * - its exported artifacts are accepted unchanged by `pocketrec eval --model`, which reproduces its test HR@10;
 * - a stop keeps the best validated model (what is exported scores the best validation seen);
 * - a malformed log is refused with the file and line.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { blobTextSource } from '../../../src/data/lines.ts';
import { importLog, trainOnDataset, type PipelineEvent } from '../../../src/pipeline/run.ts';
import { checkSettings, cliArgs, PRESETS, type PipelineSettings } from '../../../src/pipeline/settings.ts';
import { setupTrainingBackend } from '../../../src/train/backend.ts';
import { captureCliOutput } from '../cli-output.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/train');
const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-pipeline-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const output = captureCliOutput();

const blob = (name: string) => blobTextSource(new Blob([readFileSync(join(FIXTURES, name))]), name);
const SMALL: PipelineSettings = {
  epochs: 3,
  batchSize: 16,
  learningRate: 5e-3,
  negatives: 16,
  inBatch: true,
  dim: 16,
  blocks: 1,
  maxLen: 20,
  patience: 3,
  valUsers: 0,
  itemRep: 'id',
  seed: 7,
};

function writeArtifacts(files: Record<string, Uint8Array>, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [path, bytes] of Object.entries(files)) writeFileSync(join(dir, path), bytes);
}

beforeAll(async () => {
  await setupTrainingBackend('wasm');
});

describe('the browser training pipeline', () => {
  it('trains like `pocketrec train` with the same settings, and `pocketrec eval --model` accepts its export', async () => {
    const events: PipelineEvent[] = [];
    const dataset = await importLog({ events: blob('events.csv'), items: blob('items.csv') }, { onEvent: (e) => events.push(e) });
    expect(dataset.name).toBe('events');
    const result = await trainOnDataset(dataset, SMALL, { onEvent: (e) => events.push(e) });

    // Progress: import summary, steps, one validation per epoch, and a test table with both baselines.
    expect(events.find((e) => e.type === 'imported')).toMatchObject({ summary: { users: 80, items: 40 } });
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(events.filter((e) => e.type === 'step').length).toBeGreaterThanOrEqual(3 * 5);
    expect(result.test.map((r) => r.name)).toEqual(['pocketrec decoder', 'popularity', 'co-occurrence']);
    expect(Object.keys(result.files).sort()).toEqual(['catalog.json', 'item-embeddings.bin', 'manifest.json', 'weights.bin']);

    // The CLI on the same files, options and seed: identical losses and test metrics (same modules, same backend).
    const cliOut = join(tmp, 'cli');
    output.stdout = '';
    const code = await main([
      'train',
      '--dataset',
      join(FIXTURES, 'events.csv'),
      '--items',
      join(FIXTURES, 'items.csv'),
      ...cliArgs(SMALL),
      '--test',
      '--out',
      cliOut,
    ]);
    expect(code).toBe(0);
    const cli = JSON.parse(output.stdout.trim().split('\n').pop()!) as { metrics: Record<string, number> };
    const manifest = JSON.parse(new TextDecoder().decode(result.files['manifest.json'])) as { metrics: Record<string, number> };
    expect(manifest.metrics['test.HR@10']).toBe(cli.metrics['test.HR@10']);
    expect(manifest.metrics['test.NDCG@10']).toBe(cli.metrics['test.NDCG@10']);
    expect(result.test[0]!.metrics['HR@10']).toBe(cli.metrics['test.HR@10']);
    // The CLI logs the running mean loss at the end of epoch 1 (5 steps): the pipeline's 5th running mean.
    const step5 = /epoch 1 step 5\/5 loss ([\d.]+)/.exec(output.stderr);
    expect(step5).not.toBeNull();
    expect(result.firstLosses[4]!.toFixed(4)).toBe(step5![1]);

    // The browser's export, evaluated by the Node CLI unchanged.
    const dir = join(tmp, 'browser-export');
    writeArtifacts(result.files, dir);
    output.stdout = '';
    const evalCode = await main([
      'eval',
      '--dataset',
      join(FIXTURES, 'events.csv'),
      '--items',
      join(FIXTURES, 'items.csv'),
      '--model',
      join(dir, 'manifest.json'),
      '--out',
      join(tmp, 'eval-test.json'),
    ]);
    expect(evalCode).toBe(0);
    const evaluated = JSON.parse(readFileSync(join(tmp, 'eval-test.json'), 'utf8')) as {
      metrics: { masked: Record<string, number> };
    };
    expect(evaluated.metrics.masked['HR@10']).toBeCloseTo(result.test[0]!.metrics['HR@10'], 6);
    expect(evaluated.metrics.masked['NDCG@10']).toBeCloseTo(result.test[0]!.metrics['NDCG@10'], 6);
  }, 180_000);

  it('a stop keeps the best validated model: the export scores the best validation seen', async () => {
    const dataset = await importLog({ events: blob('events.csv'), items: blob('items.csv') });
    const epochs: Extract<PipelineEvent, { type: 'epoch' }>[] = [];
    let steps = 0;
    const settings = { ...SMALL, epochs: 8, patience: 8, learningRate: 0.05 };
    const result = await trainOnDataset(dataset, settings, {
      onEvent: (e) => {
        if (e.type === 'epoch') epochs.push(e);
        if (e.type === 'step') steps++;
      },
      shouldStop: () => steps >= 12, // inside epoch 3 (5 steps per epoch)
    });
    expect(result.stoppedAt).toMatchObject({ epoch: 3, step: 2 });
    expect(epochs.length).toBe(3);
    const bestNdcg = Math.max(...epochs.map((e) => e.validation['NDCG@10']));
    expect(result.bestValidation!['NDCG@10']).toBe(bestNdcg);
    expect(epochs.filter((e) => e.best).at(-1)!.validation['NDCG@10']).toBe(bestNdcg);

    // Re-evaluate the exported weights on the validation cases with the CLI: they are the best epoch's.
    const dir = join(tmp, 'stopped');
    writeArtifacts(result.files, dir);
    output.stdout = '';
    expect(
      await main([
        'eval',
        '--dataset',
        join(FIXTURES, 'events.csv'),
        '--items',
        join(FIXTURES, 'items.csv'),
        '--model',
        join(dir, 'manifest.json'),
        '--on',
        'validation',
        '--out',
        join(tmp, 'eval-validation.json'),
      ]),
    ).toBe(0);
    const report = JSON.parse(readFileSync(join(tmp, 'eval-validation.json'), 'utf8')) as {
      metrics: { masked: Record<string, number> };
    };
    expect(report.metrics.masked['NDCG@10']).toBeCloseTo(bestNdcg, 6);
    // ... and not the last (stopped) state's, when that was worse.
    const last = epochs.at(-1)!.validation['NDCG@10'];
    if (last < bestNdcg) expect(report.metrics.masked['NDCG@10']).not.toBeCloseTo(last, 6);
  }, 180_000);

  it('refuses a malformed log with the file and line, and bad settings by name', async () => {
    await expect(importLog({ events: blob('malformed.csv') })).rejects.toThrow(/^malformed\.csv:7: timestamp "not-a-date"/);
    expect(() => checkSettings({ ...PRESETS.fast, epochs: 0 })).toThrow(/epochs must be an integer from 1/);
    expect(() => checkSettings({ ...PRESETS.fast, learningRate: Number.NaN })).toThrow(/learningRate/);
  });
});
