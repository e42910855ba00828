import { describe, expect, it } from 'vitest';
import { CliError, numberOption, parseArgs, stringOption } from '../../../src/cli/args.ts';
import { main } from '../../../src/cli/main.ts';

describe('parseArgs', () => {
  it('separates options, flags and positionals', () => {
    const args = parseArgs(['ml-1m', '--epochs', '3', '--out=dir/x', '--resume', '--seed', '7', '--verbose']);
    expect(args.positionals).toEqual(['ml-1m']);
    expect([...args.options]).toEqual([
      ['epochs', '3'],
      ['out', 'dir/x'],
      ['seed', '7'],
    ]);
    expect([...args.flags]).toEqual(['resume', 'verbose']);
  });

  it('reads typed options with defaults and rejects bad numbers', () => {
    const args = parseArgs(['--k', '10', '--lr', 'fast']);
    expect(numberOption(args, 'k', 5)).toBe(10);
    expect(numberOption(args, 'missing', 5)).toBe(5);
    expect(() => numberOption(args, 'lr', 0.1)).toThrow(CliError);
    expect(() => numberOption(args, 'lr', 0.1)).toThrow('--lr must be a number, got "fast"');
    expect(stringOption(args, 'k')).toBe('10');
    expect(() => stringOption(args, 'dataset')).toThrow('missing --dataset');
  });
});

describe('main', () => {
  it('rejects an unknown command with exit code 2', async () => {
    expect(await main(['no-such-command'])).toBe(2);
  });
});
