/**
 * Argument parsing shared by every CLI command: `node:util` parseArgs in strict mode over a per-command
 * option declaration, which is also where each command's usage text comes from. Unknown options, a string
 * option without a value (`--dataset --json`), a value given to a flag (`--json=x`) and stray positionals
 * are usage errors (exit 2, usage printed), as are option values that fail their rule (`--batch 0`).
 */
import { parseArgs as parseArgv } from 'node:util';

/**
 * A CLI error: printed without a stack trace. Exit code 2 (bad command line or input data) unless
 * given: 1 for a run that failed for a reason the message explains (corrupt checkpoint, diverged training).
 */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** A bad command line (unknown option, bad value): exit code 2, and the command's usage is printed. */
export class UsageError extends CliError {
  override name = 'UsageError';
}

/** One declared option. */
export interface OptionDecl {
  /** `string` options take a value, `boolean` ones are bare flags. */
  type: 'string' | 'boolean';
  /** Placeholder for the value in the usage text, e.g. `<n>`. */
  value?: string;
  /** Help text; extra lines (after `\n`) are indented under the first. */
  help: string;
  /** A heading printed before this option in the usage text (starts a group). */
  group?: string;
}

/** A command's options by long name (without `--`). */
export type OptionTable = Record<string, OptionDecl>;

/** Parsed command line: options with a value, bare flags that were given, and positionals. */
export interface ParsedArgs {
  options: Map<string, string>;
  flags: Set<string>;
  positionals: string[];
}

/** How many positionals a command accepts (default none). */
export interface ParseRules {
  maxPositionals?: number;
}

/**
 * Parses `argv` strictly against `table` (plus `--help`, always accepted). `--key value`, `--key=value` and
 * bare `--flag` are accepted; everything not declared is a UsageError.
 */
export function parseArgs(argv: string[], table: OptionTable, rules: ParseRules = {}): ParsedArgs {
  const declared: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [name, decl] of Object.entries(table)) declared[name] = { type: decl.type };
  let parsed;
  try {
    parsed = parseArgv({ args: argv, options: declared, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const options = new Map<string, string>();
  const flags = new Set<string>();
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === 'string') options.set(name, value);
    else if (value === true) flags.add(name);
  }
  const max = rules.maxPositionals ?? 0;
  if (parsed.positionals.length > max && !flags.has('help'))
    throw new UsageError(
      max === 0
        ? `unexpected argument "${parsed.positionals[0]}" (options start with --)`
        : `unexpected argument "${parsed.positionals[max]}"`,
    );
  return { options, flags, positionals: parsed.positionals };
}

/** The usage text: a head line, then every declared option with its help, then an optional tail. */
export function formatUsage(head: string, table: OptionTable, tail?: string): string {
  const lines = [head, ''];
  const width = 28;
  for (const [name, decl] of Object.entries(table)) {
    if (decl.group) lines.push('', decl.group);
    const left = `  --${name}${decl.value ? ` ${decl.value}` : ''}`;
    const [first, ...more] = decl.help.split('\n');
    lines.push(left.length < width ? `${left.padEnd(width)}${first}` : `${left}  ${first}`);
    for (const line of more) lines.push(`${' '.repeat(width)}${line}`);
  }
  if (tail) lines.push('', tail);
  return lines.join('\n');
}

/** Reads a string option, or the default; throws a UsageError when required and absent. */
export function stringOption(args: ParsedArgs, name: string, fallback?: string): string {
  const value = args.options.get(name) ?? fallback;
  if (value === undefined) throw new UsageError(`missing --${name}`);
  return value;
}

/** Reads an option that must be one of `choices`; undefined when absent. */
export function choiceOption<T extends string>(args: ParsedArgs, name: string, choices: readonly T[]): T | undefined {
  const value = args.options.get(name);
  if (value === undefined) return undefined;
  if (!(choices as readonly string[]).includes(value))
    throw new UsageError(`--${name} must be ${choices.join(' or ')}, got "${value}"`);
  return value as T;
}

/** What a numeric option must satisfy. */
export interface NumberRule {
  integer?: boolean;
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound (e.g. a learning rate > 0). */
  above?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive upper bound. */
  below?: number;
}

function describeRule(rule: NumberRule): string {
  const parts: string[] = [];
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  if (rule.below !== undefined) parts.push(`< ${rule.below}`);
  return `${rule.integer ? 'an integer' : 'a number'}${parts.length ? ` ${parts.join(' and ')}` : ''}`;
}

/** Reads a numeric option when given (undefined when absent); a value breaking `rule` is a UsageError. */
export function optionalNumber(args: ParsedArgs, name: string, rule: NumberRule = {}): number | undefined {
  const raw = args.options.get(name);
  if (raw === undefined) return undefined;
  const value = raw.trim() === '' ? Number.NaN : Number(raw);
  const ok =
    Number.isFinite(value) &&
    (!rule.integer || Number.isInteger(value)) &&
    (rule.min === undefined || value >= rule.min) &&
    (rule.above === undefined || value > rule.above) &&
    (rule.max === undefined || value <= rule.max) &&
    (rule.below === undefined || value < rule.below);
  if (!ok) throw new UsageError(`--${name} must be ${describeRule(rule)}, got "${raw}"`);
  return value;
}

/** Reads a numeric option, or the default; a value breaking `rule` is a UsageError. */
export function numberOption(args: ParsedArgs, name: string, fallback: number, rule: NumberRule = {}): number {
  return optionalNumber(args, name, rule) ?? fallback;
}

/** Reads an `on|off` option; undefined when absent. */
export function onOffOption(args: ParsedArgs, name: string): boolean | undefined {
  const v = choiceOption(args, name, ['on', 'off'] as const);
  return v === undefined ? undefined : v === 'on';
}
