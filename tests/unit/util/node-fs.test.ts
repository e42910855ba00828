import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFilesAtomic } from '../../../src/util/node-fs.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'node-fs-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('replaces the file and leaves no temporary behind', () => {
    const path = join(dir, 'a.json');
    writeFileSync(path, 'old');
    writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    writeFileAtomic(path, new Uint8Array([1, 2, 3]), '.partial');
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['a.json']);
  });
});

describe('writeFilesAtomic', () => {
  it('changes none of the files when one of them cannot be written', () => {
    const first = join(dir, 'first.bin');
    writeFileSync(first, 'old');
    const unwritable = join(dir, 'missing-folder', 'second.json');
    expect(() =>
      writeFilesAtomic([
        { path: first, data: 'new' },
        { path: unwritable, data: '{}' },
      ]),
    ).toThrow();
    expect(readFileSync(first, 'utf8')).toBe('old');
    expect(existsSync(unwritable)).toBe(false);
  });

  it('writes every file when all can be written', () => {
    const a = join(dir, 'a.bin');
    const b = join(dir, 'b.json');
    writeFilesAtomic([
      { path: a, data: new Uint8Array([7]) },
      { path: b, data: '{"ok":true}' },
    ]);
    expect([...readFileSync(a)]).toEqual([7]);
    expect(JSON.parse(readFileSync(b, 'utf8'))).toEqual({ ok: true });
    expect(readdirSync(dir).sort()).toEqual(['a.bin', 'b.json']);
  });
});
