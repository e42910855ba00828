/**
 * The `pocketrec` CLI dispatcher: `pocketrec <command> [--flag value ...]`.
 *
 * Each command lives in its own module under `src/cli/commands/` and is loaded only when used, so
 * `pocketrec import` never pays for TF.js start-up. A command module exports `run(args)` returning
 * an exit code and `summary`, a one-line description for `pocketrec help`.
 */
import { CliError, parseArgs, UsageError, type OptionTable, type ParsedArgs } from './args.ts';

/** What every command module exports. */
export interface CommandModule {
  /** One line for `pocketrec help`. */
  summary: string;
  /** Longer usage text for `pocketrec <command> --help` (generated from `options`). */
  usage: string;
  /** The declared options; anything else on the command line is a usage error. */
  options: OptionTable;
  /** How many positional arguments the command takes (default none). */
  maxPositionals?: number;
  /** Runs the command; resolves to the process exit code. */
  run(args: ParsedArgs): Promise<number>;
}

/** The command table: name -> lazy loader. Add a line here when adding a command. */
const COMMANDS: Record<string, () => Promise<CommandModule>> = {
  import: () => import('./commands/import.ts'),
  eval: () => import('./commands/eval.ts'),
  sids: () => import('./commands/sids.ts'),
  train: () => import('./commands/train.ts'),
  'export-model': () => import('./commands/export-model.ts'),
  bench: () => import('./commands/bench.ts'),
};

function printHelp(): Promise<void> {
  return (async () => {
    const lines = ['Usage: pocketrec <command> [options]', '', 'Commands:'];
    for (const [name, load] of Object.entries(COMMANDS)) {
      const command = await load();
      lines.push(`  ${name.padEnd(12)} ${command.summary}`);
    }
    lines.push('', 'Run `pocketrec <command> --help` for the options of one command.');
    process.stdout.write(`${lines.join('\n')}\n`);
  })();
}

/** Entry point; returns the exit code (0 ok, 1 failure, 2 usage error: bad option, bad input data). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    await printHelp();
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`pocketrec: unknown command "${name}". Run \`pocketrec help\` for the list.\n`);
    return 2;
  }
  const command = await load();
  try {
    const args = parseArgs(rest, command.options, { maxPositionals: command.maxPositionals ?? 0 });
    if (args.flags.has('help')) {
      process.stdout.write(`${command.usage}\n`);
      return 0;
    }
    return await command.run(args);
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`pocketrec ${name}: ${error.message}\n`);
      if (error instanceof UsageError) process.stderr.write(`\n${command.usage}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`pocketrec ${name} failed: ${message}\n`);
    return 1;
  }
}
