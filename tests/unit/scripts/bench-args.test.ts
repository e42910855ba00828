/**
 * The benchmark scripts check their options before doing any work: `--help` prints the usage (exit 0), an
 * unknown option, a missing value or a bad value exits 2 with the message and the usage.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../../..');
const run = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', script), ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });

describe.each(['bench.ts', 'bench-browser-train.ts'])('scripts/%s options', (script) => {
  it('--help prints the usage and exits 0 without starting anything', () => {
    const r = run(script, '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run bench/);
    expect(r.stdout).toContain('--help');
  });

  it.each([
    [['--bogus'], /unknown argument "--bogus"/],
    [['stray'], /unknown argument "stray"/],
    [['--port'], /--port needs a value|unknown argument "--port"/],
  ])('%j exits 2 with the usage', (args, message) => {
    const r = run(script, ...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Usage: npm run bench');
  });
});

describe('scripts/bench-browser-train.ts values', () => {
  it.each([
    [['--preset', 'fastest'], /--preset must be one of fast, balanced, best/],
    [['--epochs', 'two'], /--epochs must be a non-negative integer/],
    [['--backend', 'cpu'], /--backend must be auto, wasm or webgpu/],
  ])('%j exits 2', (args, message) => {
    const r = run('bench-browser-train.ts', ...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
