/**
 * The browser's line reader (`blobTextSource`, a `Blob` streamed in chunks) gives exactly the lines, line
 * numbers and errors of the Node reader (`nodeTextSource`, node:fs + readline), and the generic importer
 * builds the same Dataset from either.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError } from '../../../src/data/errors.ts';
import { importGeneric } from '../../../src/data/importers/generic.ts';
import { nodeTextSource } from '../../../src/data/io.ts';
import { blobTextSource, type BlobLike, type ReadProgress, type TextSource } from '../../../src/data/lines.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-lines-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let counter = 0;

/** A Blob whose stream yields `chunkSize`-byte chunks (so lines and UTF-8 characters straddle chunks). */
function chunkedBlob(bytes: Uint8Array, chunkSize: number): BlobLike {
  return {
    size: bytes.length,
    stream: () => {
      let offset = 0;
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          if (offset >= bytes.length) return controller.close();
          controller.enqueue(bytes.slice(offset, offset + chunkSize));
          offset += chunkSize;
        },
      });
    },
  };
}

async function collect(source: TextSource): Promise<{ lines: [number, string][]; count: number }> {
  const lines: [number, string][] = [];
  const count = await source.forEachLine((line, n) => lines.push([n, line]));
  return { lines, count };
}

async function errorOf(source: TextSource): Promise<string> {
  try {
    await source.forEachLine(() => {});
  } catch (error) {
    expect(error).toBeInstanceOf(DataFormatError);
    return (error as Error).message;
  }
  return 'no error';
}

const TRICKY = [
  '\ufeffuser,item\r\n', // BOM + CRLF
  'ä,é\n',
  '\n', // empty line: skipped, counted
  'u2,日本\r', // lone CR ends a line
  'u3,x\r\n',
  '\r\n',
  'last,no-newline',
].join('');

describe('blobTextSource matches nodeTextSource', () => {
  for (const chunkSize of [1, 2, 3, 7, 1 << 16]) {
    it(`gives the same lines and numbers (chunks of ${chunkSize} bytes)`, async () => {
      const path = join(tmp, `t${counter++}.csv`);
      const bytes = new TextEncoder().encode(TRICKY);
      writeFileSync(path, bytes);
      const node = await collect(nodeTextSource(path));
      const blob = await collect(blobTextSource(chunkedBlob(bytes, chunkSize), 'events.csv'));
      expect(blob).toEqual(node);
      expect(blob.lines.map(([n]) => n)).toEqual([1, 2, 4, 5, 7]);
      expect(blob.lines[0]![1]).toBe('user,item');
    });
  }

  it('reads gzip through DecompressionStream like node:zlib', async () => {
    const path = join(tmp, `t${counter++}.csv.gz`);
    const bytes = gzipSync(new TextEncoder().encode(TRICKY));
    writeFileSync(path, bytes);
    expect(await collect(blobTextSource(chunkedBlob(bytes, 5), 'events.csv.gz'))).toEqual(await collect(nodeTextSource(path)));
  });

  it('names the line of invalid UTF-8, as the Node reader does', async () => {
    const path = join(tmp, `bad${counter++}.csv`);
    const bytes = Uint8Array.from([...new TextEncoder().encode('user,item\nu,a\nu,'), 0xff, 0xfe, 10, 117, 44, 98, 10]);
    writeFileSync(path, bytes);
    const nodeMessage = await errorOf(nodeTextSource(path));
    const blobMessage = await errorOf(blobTextSource(chunkedBlob(bytes, 4), `bad${counter - 1}.csv`));
    expect(blobMessage).toBe(nodeMessage);
    expect(blobMessage).toMatch(/:3: invalid UTF-8/);
  });

  it('reports bytes read and the total with the row progress', async () => {
    const body = 'user,item\n' + Array.from({ length: 250_000 }, (_, i) => `u${i % 100},i${i % 37}`).join('\n');
    const bytes = new TextEncoder().encode(body);
    const progress: ReadProgress[] = [];
    await blobTextSource(chunkedBlob(bytes, 65536), 'big.csv').forEachLine(() => {}, { onProgress: (p) => progress.push(p) });
    expect(progress.map((p) => p.rows)).toEqual([100_000, 200_000, 250_001]);
    expect(progress.at(-1)).toMatchObject({ done: true, bytes: bytes.length, totalBytes: bytes.length });
    expect(progress[0]!.bytes!).toBeGreaterThan(0);
    expect(progress[0]!.bytes!).toBeLessThan(bytes.length);
  });
});

describe('the generic importer reads a Blob like a file', () => {
  it('builds the same Dataset from the fixture files on disk and as Blobs', async () => {
    const dir = join(import.meta.dirname, '../../fixtures/data/generic');
    const fromDisk = await importGeneric({ events: nodeTextSource(join(dir, 'events.csv')), items: nodeTextSource(join(dir, 'items.csv')) });
    const { readFileSync } = await import('node:fs');
    const blob = (name: string) => blobTextSource(new Blob([readFileSync(join(dir, name))]), name, join(dir, name));
    const fromBlob = await importGeneric({ events: blob('events.csv'), items: blob('items.csv') });
    expect(fromBlob).toEqual(fromDisk);
  });

  it('stops at a malformed row with the file name and line number', async () => {
    const text = 'user,item,timestamp\nu1,a,1700000000\nu1,b,not-a-time\n';
    await expect(importGeneric({ events: blobTextSource(new Blob([text]), 'mine.csv') })).rejects.toThrow(
      /^mine\.csv:3: timestamp "not-a-time" is neither/,
    );
  });
});
