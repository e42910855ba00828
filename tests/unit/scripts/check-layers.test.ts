import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = join(import.meta.dirname, '../../../scripts/check-layers.mjs');
const roots: string[] = [];

/** A throw-away tree with the given files (path -> source), checked by the real script. */
function check(files: Record<string, string>): { status: number | null; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  const run = spawnSync(process.execPath, [SCRIPT, '--root', root], { encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('scripts/check-layers.mjs', () => {
  it('passes a tree whose imports run down the layers', () => {
    const result = check({
      'src/sid/table.ts': 'export const t = 1;\n',
      'src/model/m.ts': "import { t } from '../sid/table.ts';\nexport const m = t;\n",
      'src/engine/e.ts': "import type { m } from '../model/m.ts';\nexport const e = await import('../sid/table.ts');\n",
    });
    expect(result.output).toMatch(/layers ok: 3 files/);
    expect(result.status).toBe(0);
  });

  it('fails on a folder-level back edge, also a type-only or dynamic one', () => {
    const result = check({
      'src/sid/table.ts': "import type { M } from '../model/m.ts';\nexport const t = () => import('../engine/e.ts');\n",
      'src/model/m.ts': 'export type M = number;\n',
      'src/engine/e.ts': 'export const e = 1;\n',
    });
    expect(result.status).toBe(1);
    expect(result.output).toContain('back edge sid -> model: src/sid/table.ts imports src/model/m.ts');
    expect(result.output).toContain('back edge sid -> engine: src/sid/table.ts imports src/engine/e.ts');
  });

  it('fails on a file-level cycle inside one folder', () => {
    const result = check({
      'src/model/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n",
      'src/model/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n",
    });
    expect(result.status).toBe(1);
    expect(result.output).toContain('import cycle: src/model/a.ts -> src/model/b.ts -> src/model/a.ts');
  });

  it('passes its own self-test and the repository', () => {
    const self = spawnSync(process.execPath, [SCRIPT, '--self-test'], { encoding: 'utf8' });
    expect(self.status).toBe(0);
    const repo = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
    expect(repo.stderr).toBe('');
    expect(repo.status).toBe(0);
  });
});
