import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../../src/cli/args.ts';
import { options as sidsOptions } from '../../../src/cli/commands/sids.ts';
import { run } from '../../../src/cli/commands/sids.ts';
import { deserializeSidArtifacts, sidOf } from '../../../src/sid/sid-table.ts';
import { trieLookup } from '../../../src/sid/trie.ts';

describe('pocketrec sids (shipped ml-latest-small)', () => {
  it('writes a readable binary table whose SIDs are unique and reachable, plus a JSON summary', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sids-'));
    const write = process.stdout.write;
    let printed = '';
    process.stdout.write = ((chunk: string) => {
      printed += chunk;
      return true;
    }) as typeof process.stdout.write;
    try {
      const code = await run(
        parseArgs(
          ['--dataset', 'ml-latest-small', '--codes', '16', '--iterations', '3', '--dim', '16', '--out', out],
          sidsOptions,
        ),
      );
      expect(code).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(readdirSync(out).sort()).toEqual(['ml-latest-small.sids.bin', 'ml-latest-small.sids.json']);
    expect(printed).toMatch(/collision rate before disambiguation/);
    const bytes = readFileSync(join(out, 'ml-latest-small.sids.bin'));
    const { table, trie, codebooks } = deserializeSidArtifacts(
      bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    );
    expect(table.items).toBe(9742);
    expect(table.codebookSize).toBe(16);
    expect(codebooks?.dim).toBe(32);
    for (let i = 0; i < table.items; i++) expect(trieLookup(trie, sidOf(table, i))).toBe(i);
    const summary = JSON.parse(readFileSync(join(out, 'ml-latest-small.sids.json'), 'utf8')) as {
      perLevel: { usedCodes: number }[];
      collisionRateBeforeDisambiguation: number;
    };
    expect(summary.perLevel).toHaveLength(3);
    expect(summary.perLevel[0]!.usedCodes).toBe(16);
    expect(summary.collisionRateBeforeDisambiguation).toBeGreaterThan(0);
  });
});
