import { describe, expect, it } from 'vitest';
import {
  CliError,
  formatUsage,
  numberOption,
  optionalNumber,
  parseArgs,
  stringOption,
  UsageError,
  type OptionTable,
} from '../../../src/cli/args.ts';
import { main } from '../../../src/cli/main.ts';

const table: OptionTable = {
  epochs: { type: 'string', value: '<n>', help: 'epochs' },
  out: { type: 'string', value: '<dir>', help: 'output\nsecond line' },
  seed: { type: 'string', value: '<n>', help: 'seed' },
  resume: { type: 'boolean', help: 'resume' },
  json: { type: 'boolean', help: 'json', group: 'Output:' },
  k: { type: 'string', help: 'k' },
  lr: { type: 'string', help: 'lr' },
};

describe('parseArgs', () => {
  it('separates options, flags and positionals', () => {
    const args = parseArgs(['ml-1m', '--epochs', '3', '--out=dir/x', '--resume', '--seed', '7', '--json'], table, {
      maxPositionals: 1,
    });
    expect(args.positionals).toEqual(['ml-1m']);
    expect([...args.options]).toEqual([
      ['epochs', '3'],
      ['out', 'dir/x'],
      ['seed', '7'],
    ]);
    expect([...args.flags].sort()).toEqual(['json', 'resume']);
  });

  it('rejects undeclared options, flags with values, missing values and stray positionals', () => {
    expect(() => parseArgs(['--verbose'], table)).toThrow(UsageError);
    expect(() => parseArgs(['--json=1'], table)).toThrow(UsageError);
    expect(() => parseArgs(['--epochs'], table)).toThrow(UsageError);
    expect(() => parseArgs(['--epochs', '--json'], table)).toThrow(UsageError);
    expect(() => parseArgs(['ml-1m'], table)).toThrow('unexpected argument "ml-1m"');
    // A flag never swallows the next word: it stays a positional.
    expect(parseArgs(['--json', 'ml-1m'], table, { maxPositionals: 1 }).positionals).toEqual(['ml-1m']);
  });

  it('reads typed options with defaults and rejects bad numbers', () => {
    const args = parseArgs(['--k', '10', '--lr', 'fast', '--epochs', '0'], table);
    expect(numberOption(args, 'k', 5)).toBe(10);
    expect(numberOption(args, 'seed', 5)).toBe(5);
    expect(optionalNumber(args, 'seed')).toBeUndefined();
    expect(() => numberOption(args, 'lr', 0.1)).toThrow(CliError);
    expect(() => numberOption(args, 'lr', 0.1)).toThrow('--lr must be a number, got "fast"');
    expect(() => numberOption(args, 'epochs', 1, { integer: true, min: 1 })).toThrow('--epochs must be an integer >= 1, got "0"');
    expect(stringOption(args, 'k')).toBe('10');
    expect(() => stringOption(args, 'out')).toThrow('missing --out');
  });

  it('generates the usage from the declaration', () => {
    const usage = formatUsage('Usage: x', table);
    expect(usage.split('\n')).toEqual([
      'Usage: x',
      '',
      '  --epochs <n>              epochs',
      '  --out <dir>               output',
      '                            second line',
      '  --seed <n>                seed',
      '  --resume                  resume',
      '',
      'Output:',
      '  --json                    json',
      '  --k                       k',
      '  --lr                      lr',
    ]);
  });
});

describe('main', () => {
  it('rejects an unknown command with exit code 2', async () => {
    expect(await main(['no-such-command'])).toBe(2);
  });
});
