/** Test helper: captures what the CLI writes to stdout and stderr during each test of the calling file or block. */
import { afterEach, beforeEach, vi } from 'vitest';

/** What the CLI wrote during the current test; reset before each test (a test may clear it itself). */
export interface CliOutput {
  stdout: string;
  stderr: string;
}

/** Registers beforeEach/afterEach hooks that capture process.stdout/stderr writes into the returned object. */
export function captureCliOutput(): CliOutput {
  const output = { stdout: '', stderr: '' };
  beforeEach(() => {
    output.stdout = '';
    output.stderr = '';
    vi.spyOn(process.stdout, 'write').mockImplementation(
      (chunk: string | Uint8Array) => ((output.stdout += String(chunk)), true),
    );
    vi.spyOn(process.stderr, 'write').mockImplementation(
      (chunk: string | Uint8Array) => ((output.stderr += String(chunk)), true),
    );
  });
  afterEach(() => vi.restoreAllMocks());
  return output;
}
