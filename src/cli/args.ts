/** Tiny, dependency-free argument parsing shared by every CLI command. */

/** A usage error: printed without a stack trace, exit code 2. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Parsed command line: `--key value` / `--key=value` options, bare `--flag`s and positionals. */
export interface ParsedArgs {
  options: Map<string, string>;
  flags: Set<string>;
  positionals: string[];
}

/**
 * Parses `--key value`, `--key=value` and bare `--flag` (a flag is a `--name` followed by another
 * `--name` or by nothing). Everything else is positional.
 */
export function parseArgs(argv: string[]): ParsedArgs {
  const options = new Map<string, string>();
  const flags = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) {
      options.set(body.slice(0, eq), body.slice(eq + 1));
    } else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) {
      options.set(body, argv[++i]!);
    } else {
      flags.add(body);
    }
  }
  return { options, flags, positionals };
}

/** Reads a string option, or the default; throws a CliError when required and absent. */
export function stringOption(args: ParsedArgs, name: string, fallback?: string): string {
  const value = args.options.get(name) ?? fallback;
  if (value === undefined) throw new CliError(`missing --${name}`);
  return value;
}

/** Reads a numeric option, or the default; throws a CliError on a non-number. */
export function numberOption(args: ParsedArgs, name: string, fallback: number): number {
  const raw = args.options.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new CliError(`--${name} must be a number, got "${raw}"`);
  return value;
}
