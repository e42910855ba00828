import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CliError } from '../../../src/cli/args.ts';
import { demoModelDir, exportModel } from '../../../src/cli/commands/export-model.ts';
import { main } from '../../../src/cli/main.ts';

const work = mkdtempSync(join(tmpdir(), 'pocketrec-export-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('pocketrec export-model', () => {
  it('copies the shipped demo model byte for byte, manifest included', async () => {
    const out = join(work, 'app', 'public', 'model');
    expect(await main(['export-model', '--demo', out, '--json'])).toBe(0);
    const source = demoModelDir();
    const manifest = JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8')) as { files: { path: string }[] };
    expect(readdirSync(out).sort()).toEqual(['manifest.json', ...manifest.files.map((f) => f.path)].sort());
    for (const name of readdirSync(out))
      expect(readFileSync(join(out, name)).equals(readFileSync(join(source, name)))).toBe(true);
  });

  it('rejects a damaged file and writes nothing; an existing destination keeps its model', () => {
    const damaged = join(work, 'damaged');
    cpSync(demoModelDir(), damaged, { recursive: true });
    const weights = readFileSync(join(damaged, 'weights.bin'));
    weights[1000] = weights[1000]! ^ 0xff;
    writeFileSync(join(damaged, 'weights.bin'), weights);
    const fresh = join(work, 'fresh');
    expect(() => exportModel(join(damaged, 'manifest.json'), fresh)).toThrow(/weights\.bin: sha256 does not match/);
    expect(existsSync(fresh)).toBe(false);

    const existing = join(work, 'existing');
    exportModel(join(demoModelDir(), 'manifest.json'), existing);
    const before = readFileSync(join(existing, 'weights.bin'));
    expect(() => exportModel(join(damaged, 'manifest.json'), existing)).toThrow(CliError);
    expect(readFileSync(join(existing, 'weights.bin')).equals(before)).toBe(true);
  });

  it('says what is wrong with a file that is not a model manifest, or a missing file', () => {
    const html = join(work, 'index.html');
    writeFileSync(html, '<!doctype html><html></html>');
    expect(() => exportModel(html, join(work, 'x'))).toThrow(/is not JSON/);
    const partial = join(work, 'partial');
    cpSync(demoModelDir(), partial, { recursive: true });
    rmSync(join(partial, 'sids.bin'));
    expect(() => exportModel(join(partial, 'manifest.json'), join(work, 'y'))).toThrow(
      /sids\.bin \(listed in the manifest\) is missing/,
    );
  });

  it('is a usage error without a destination', async () => {
    expect(await main(['export-model', '--demo'])).toBe(2);
    expect(await main(['export-model', 'a', 'b', 'c'])).toBe(2);
  });
});
