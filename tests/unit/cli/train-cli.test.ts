/**
 * Issue 15 items 2 and 10 through `pocketrec train`: a stop inside an epoch is not counted as an epoch in the
 * manifest, and `--resume` from a corrupted checkpoint exits 1 with a message naming the file (no stack
 * trace, nothing exported) instead of exporting an all-NaN model with the old metrics.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { captureCliOutput } from '../cli-output.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-train-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const output = captureCliOutput();

/** 40 users walking a cycle of 20 items: 2 batches of 24 training users per epoch. */
function events(): string {
  const rows = ['user,item,order'];
  for (let u = 0; u < 40; u++) for (let k = 0; k < 6; k++) rows.push(`u${u},i${(u + k) % 20},${k}`);
  const path = join(tmp, 'events.csv');
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}
const tiny = ['--dim', '8', '--maxlen', '8', '--batch', '24', '--negatives', '4', '--val-users', '10'];
const manifest = (dir: string) =>
  JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { metrics: Record<string, number> };

describe('pocketrec train: stops, checkpoints and resume', () => {
  it('a time limit inside epoch 1 exports with train.epochs 0 + the step; a corrupt checkpoint is refused (exit 1)', async () => {
    const data = events();
    const ckpt = join(tmp, 'ckpt');
    const out = join(tmp, 'out');
    // --max-minutes small enough to be over after the first step.
    expect(
      await main([
        'train',
        '--dataset',
        data,
        ...tiny,
        '--epochs',
        '3',
        '--max-minutes',
        '1e-9',
        '--checkpoint',
        ckpt,
        '--out',
        out,
      ]),
    ).toBe(0);
    expect(output.stderr).toMatch(/trained 0 epochs \+ 1\/2 steps of epoch 1/);
    expect(manifest(out).metrics).toMatchObject({ 'train.epochs': 0, 'train.partialEpochSteps': 1, 'train.bestEpoch': 1 });

    const size = readFileSync(join(ckpt, 'checkpoint.bin')).byteLength;
    writeFileSync(join(ckpt, 'checkpoint.bin'), new Uint8Array(new Float32Array(size / 4).fill(Number.NaN).buffer));
    const out2 = join(tmp, 'out2');
    output.stderr = '';
    expect(
      await main(['train', '--dataset', data, ...tiny, '--epochs', '3', '--checkpoint', ckpt, '--resume', '--out', out2]),
    ).toBe(1);
    expect(output.stderr).toContain(`pocketrec train: checkpoint ${join(ckpt, 'checkpoint.bin')} is corrupt`);
    expect(output.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out2)).toBe(false);
  });

  it('--item-precision int8 exports a per-row int8 table that pocketrec eval loads and ranks with', async () => {
    const data = events();
    const out = join(tmp, 'int8');
    expect(await main(['train', '--dataset', data, ...tiny, '--epochs', '1', '--item-precision', 'int8', '--out', out])).toBe(0);
    const m = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      itemEmbeddingEncoding?: unknown;
      files: { role: string; path: string; bytes: number }[];
    };
    expect(m.itemEmbeddingEncoding).toEqual({ type: 'int8', scale: 'per-row' });
    const table = m.files.find((f) => f.role === 'item-embeddings')!;
    expect(table.bytes).toBe(20 * 4 + 20 * 8); // 20 items x d 8: scales + int8 values
    expect(readFileSync(join(out, table.path)).byteLength).toBe(table.bytes);
    let stdout = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
    expect(await main(['eval', '--dataset', data, '--model', join(out, 'manifest.json')])).toBe(0);
    expect(stdout).toMatch(/HR@10\s+\d\.\d{4}/);
  });
});
