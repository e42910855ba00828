/**
 * Strict option checking for the benchmark scripts (`npm run bench`, `npm run bench:browser-train`):
 * `--help` prints the usage and exits 0; an unknown option, a stray argument or a missing value prints
 * the message and the usage and exits 2 (as the CLI does), instead of being silently ignored.
 */

/** The options a script accepts: those that take a value and the bare flags (`help` is always accepted). */
export interface ScriptOptions {
  valued: readonly string[];
  flags: readonly string[];
}

/** Prints `message` and the usage to stderr and exits 2. */
export function usageError(script: string, usage: string, message: string): never {
  process.stderr.write(`${script}: ${message}\n\n${usage}\n`);
  process.exit(2);
}

/** Checks `argv` against `accepted`; handles `--help`. Returns `argv` unchanged when it is valid. */
export function checkScriptArgs(
  script: string,
  usage: string,
  argv: readonly string[],
  accepted: ScriptOptions,
): readonly string[] {
  const valued = new Set(accepted.valued);
  const flags = new Set([...accepted.flags, 'help']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.replace(/^--/, '');
    if (!arg.startsWith('--') || (!valued.has(name) && !flags.has(name))) usageError(script, usage, `unknown argument "${arg}"`);
    if (valued.has(name)) {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) usageError(script, usage, `--${name} needs a value`);
      i++;
    }
  }
  if (argv.includes('--help')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  return argv;
}
