/**
 * Issue 15 item 7: the import refuses bad input instead of importing it silently: an empty events file,
 * invalid UTF-8, duplicate header columns, impossible or ambiguous dates.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { DataFormatError } from '../../../src/data/errors.ts';
import { loadDataset } from '../../../src/data/registry.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-strict-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let counter = 0;
/** Writes `content` (text or raw bytes) to a fresh events file and returns its path. */
function events(content: string | Uint8Array, ext = 'csv'): string {
  const path = join(tmp, `events-${counter++}.${ext}`);
  writeFileSync(path, content);
  return path;
}
async function failure(path: string): Promise<DataFormatError> {
  const error = await loadDataset(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DataFormatError);
  return error as DataFormatError;
}

describe('strict import of the generic format', () => {
  it('a 0-byte file or a header without rows is an error, not 0 users', async () => {
    expect((await failure(events(''))).message).toMatch(/^events-\d+\.csv: empty file/);
    expect((await failure(events('user,item,timestamp\n'))).message).toMatch(/^events-\d+\.csv: no events/);
  });

  it('an empty file exits 2 from the CLI with the file name (no stack trace)', async () => {
    let stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
    try {
      expect(await main(['import', '--dataset', events('')])).toBe(2);
    } finally {
      vi.restoreAllMocks();
    }
    expect(stderr).toMatch(/pocketrec import: events-\d+\.csv: empty file/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('invalid UTF-8 is an error naming file and line (three latin-1 ids no longer collapse into one)', async () => {
    const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
    const path = events(latin1('user,item\nu1,caf\xe9\nu1,caf\xe8\nu1,caf\xea\n'));
    const error = await failure(path);
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/:2: invalid UTF-8/);
    // Valid UTF-8 (and a BOM) still reads, losslessly.
    const ok = await loadDataset(events(new TextEncoder().encode('\ufeffuser,item\nu1,café\nu1,cafè\nu1,cafê\n')));
    expect(ok.catalog.ids).toEqual(['café', 'cafè', 'cafê']);
  });

  it('duplicate header columns (also through aliases) are an error', async () => {
    expect((await failure(events('user,item,item\nu,a,b\n'))).message).toMatch(/:1: column "item" appears twice/);
    expect((await failure(events('user,user_id,item\nu,v,a\n'))).message).toMatch(/:1: columns "user" and "user_id" both name the user/);
  });

  it('dates are strict: impossible or ambiguous dates are errors; ISO 8601 and unix seconds / milliseconds read', async () => {
    const bad = ['2023-02-30', '12/31/2023', '2023-13-01', '2023-01-01T25:00:00Z', 'yesterday', '2023-1-5'];
    for (const date of bad) {
      const error = await failure(events(`user,item,timestamp\nu,a,${date}\n`));
      expect(error.message, date).toContain(`:2: timestamp "${date}"`);
    }
    const d = await loadDataset(
      events(
        'user,item,timestamp\nu,a,2024-02-29\nu,b,2024-02-29T01:00:00Z\nu,c,2024-02-29 02:00:00+01:00\nu,d,1709172000\nu,e,1709175600000\n',
      ),
    );
    const t0 = Date.UTC(2024, 1, 29) / 1000;
    // A date without an offset is UTC; +01:00 is an hour earlier in UTC; 13 digits are milliseconds.
    expect(Array.from(d.sequences[0]!.times)).toEqual([t0, t0 + 3600, t0 + 3600, t0 + 7200, t0 + 10800]);
  });
});
