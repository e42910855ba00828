/**
 * Issue 15 item 6: every command parses its options strictly (node:util parseArgs over a declaration); a bad
 * option or value exits 2 with the usage and does nothing else (no dataset read, no training, no export).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../../src/cli/args.ts';
import { options as trainOptions, trainSettings } from '../../../src/cli/commands/train.ts';
import { main } from '../../../src/cli/main.ts';
import { captureCliOutput } from '../cli-output.ts';

const EVENTS = resolve(import.meta.dirname, '../../fixtures/data/generic/events.csv');
const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-options-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const output = captureCliOutput();

/** Runs `train` with one bad option into a fresh --out folder; expects exit 2, the usage, and no export. */
async function rejectsTrain(bad: string[], message: RegExp): Promise<void> {
  const out = join(tmp, `out-${bad.join('_').replace(/[^\w]/g, '')}`);
  const code = await main(['train', '--dataset', EVENTS, '--epochs', '1', '--dim', '8', '--maxlen', '8', '--out', out, ...bad]);
  expect(code, output.stderr).toBe(2);
  expect(output.stderr).toMatch(message);
  expect(output.stderr).toContain('Usage: pocketrec train');
  expect(existsSync(out)).toBe(false);
}

describe('strict options (exit 2 + usage)', () => {
  it.each([
    [['--batch', '0'], /--batch must be an integer >= 1, got "0"/],
    [['--epochs', '0'], /--epochs must be an integer >= 1, got "0"/],
    [['--epochs=-1'], /--epochs must be an integer >= 1, got "-1"/],
    [['--lr=-1'], /--lr must be a number > 0, got "-1"/],
    [['--negatives', '0'], /--negatives must be an integer >= 1/],
    [['--workers', '3'], /--workers must be an integer >= 1 and <= 2, got "3"/],
    [['--max-minutes=-1'], /--max-minutes must be a number >= 0/],
    [['--dropout', '1'], /--dropout must be a number >= 0 and < 1/],
    [['--weight-decay=-0.1'], /--weight-decay must be a number >= 0/],
    [['--lr-schedule', 'step'], /--lr-schedule must be constant or cosine or linear, got "step"/],
    [['--warmup-steps', '1.5'], /--warmup-steps must be an integer/],
    [['--train-windows', 'some'], /--train-windows must be last or all/],
    [['--batch', '2.5'], /--batch must be an integer/],
    [['--no-such-option', '3'], /Unknown option '--no-such-option'/],
    [['--lr', '-1'], /--lr/], // a value that looks like an option is ambiguous, not silently a flag
    [['--outcome-conditioning', 'maybe'], /--outcome-conditioning must be on or off/],
    [['--heads', '3'], /dim 8 is not divisible by heads 3/], // a model-config error is a usage error too
    [['--resume'], /--resume needs --checkpoint/],
  ])('train %j', async (bad, message) => {
    await rejectsTrain(bad, message);
  });

  it('import: unknown options, flags given a value and stray words are errors; --json does not swallow the dataset', async () => {
    expect(await main(['import', '--dataset', EVENTS, '--verbose'])).toBe(2);
    expect(output.stderr).toMatch(/Unknown option '--verbose'/);
    expect(output.stderr).toContain('Usage: pocketrec import');
    expect(await main(['import', '--dataset', EVENTS, '--json=yes'])).toBe(2);
    expect(await main(['import', '--dataset', EVENTS, 'extra'])).toBe(2);
    output.stdout = '';
    expect(await main(['import', '--json', EVENTS])).toBe(0);
    expect(JSON.parse(output.stdout)).toMatchObject({ dataset: 'events' });
  });

  it('eval: bad values exit 2 before any work', async () => {
    for (const bad of [
      ['--max-users', '0'],
      ['--batch', '-5'],
      ['--on', 'train'],
      ['--k', '10,x'],
      ['--top-100', 'x'],
    ]) {
      output.stderr = '';
      expect(await main(['eval', '--dataset', EVENTS, '--model', 'popular', ...bad]), bad.join(' ')).toBe(2);
      expect(output.stderr).toContain('Usage: pocketrec eval');
    }
  });

  it('sids: bad values exit 2 before the dataset is read', async () => {
    for (const bad of [
      ['--levels', '9'],
      ['--codes', '1'],
      ['--vectors', 'colour'],
      ['--ablate', '--steps', '0'],
    ]) {
      output.stderr = '';
      expect(await main(['sids', '--dataset', join(tmp, 'no-such-dataset'), ...bad]), bad.join(' ')).toBe(2);
      expect(output.stderr).toContain('Usage: pocketrec sids');
    }
  });

  it('train passes only the model options the user gave; --full-softmax logs 0 negatives', () => {
    expect(trainSettings(parseArgs(['--dataset', 'x'], trainOptions)).model).toEqual({});
    const given = trainSettings(parseArgs(['--dataset', 'x', '--dim', '64', '--outcome-conditioning', 'off'], trainOptions));
    expect(given.model).toEqual({ dim: 64, outcomeConditioning: false });
    const full = trainSettings(parseArgs(['--dataset', 'x', '--full-softmax'], trainOptions));
    expect(full.train).toMatchObject({ fullSoftmax: true, negatives: 0 });
    expect(() => trainSettings(parseArgs(['--dataset', 'x', '--full-softmax', '--negatives', '64'], trainOptions))).toThrow(
      /--full-softmax .* no --negatives/,
    );
  });

  it('train --item-precision: fp32 by default, fp16 / int8 accepted, anything else a usage error', () => {
    expect(trainSettings(parseArgs(['--dataset', 'x'], trainOptions)).itemPrecision).toBe('fp32');
    for (const p of ['fp32', 'fp16', 'int8'])
      expect(trainSettings(parseArgs(['--dataset', 'x', '--item-precision', p], trainOptions)).itemPrecision).toBe(p);
    expect(() => trainSettings(parseArgs(['--dataset', 'x', '--item-precision', 'int4'], trainOptions))).toThrow(
      /--item-precision must be fp32 or fp16 or int8, got "int4"/,
    );
  });

  it('--help prints the usage generated from the declaration (every declared option listed)', async () => {
    expect(await main(['train', '--help'])).toBe(0);
    for (const option of ['--dataset', '--batch', '--full-softmax', '--checkpoint', '--resume', '--catalog-items'])
      expect(output.stdout).toContain(option);
  });
});
