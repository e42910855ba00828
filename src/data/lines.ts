/**
 * The browser-safe half of reading dataset files: the `TextSource` interface importers read through,
 * a streaming line reader over `Blob`/`File` (the browser's files; gzip inflated with
 * `DecompressionStream`), and the CSV field helpers. The Node half (`node:fs` + readline) is
 * `nodeTextSource` in io.ts. Both give the same lines with the same numbers (tests/unit/data/lines.test.ts).
 */
import { DataFormatError } from './errors.ts';

/** Text encodings our sources use: MovieLens-1M/100k are latin-1, everything else UTF-8. */
export type TextEncoding = 'utf8' | 'latin1';

/** Progress of a file read, reported every `PROGRESS_EVERY` rows and at the end. */
export interface ReadProgress {
  file: string;
  rows: number;
  done: boolean;
  /** Bytes read so far and the file's size, where the source knows them (browser files). */
  bytes?: number;
  totalBytes?: number;
}

export const PROGRESS_EVERY = 100_000;

/** Options of `TextSource.forEachLine`. */
export interface LineOptions {
  encoding?: TextEncoding;
  onProgress?: (progress: ReadProgress) => void;
}

/**
 * A file the importers read line by line, wherever it lives: `nodeTextSource(path)` (io.ts, Node) or
 * `blobTextSource(file)` (here, browser and Node). `forEachLine` calls `onLine(line, lineNumber)` for every
 * line (1-based numbers, trailing `\r` stripped, empty lines skipped but counted, a UTF-8 byte order mark
 * dropped) and resolves to the number of lines seen; a throw from `onLine` stops the read. With `utf8` a
 * line that is not valid UTF-8 is a DataFormatError naming file and line.
 */
export interface TextSource {
  /** Base name, used in error messages (`events.csv`). */
  readonly name: string;
  /** Where it came from, for the import summary: a path in Node, the file's name in the browser. */
  readonly path: string;
  forEachLine(onLine: (line: string, lineNumber: number) => void, options?: LineOptions): Promise<number>;
}

/** The last segment of a `/`- or `\`-separated path. */
export function baseName(path: string): string {
  const parts = path.split(/[/\\]/);
  return parts[parts.length - 1] ?? path;
}

/** What `blobTextSource` needs of a Blob (a `File` has all of it). */
export interface BlobLike {
  readonly size: number;
  stream(): ReadableStream<Uint8Array>;
}

const LF = 10;
const CR = 13;

/**
 * A TextSource over a `Blob`/`File`: streams its bytes (never the whole file as one string), inflating
 * gzip when `name` ends in `.gz`, and splits lines the way Node's readline does (`\n`, `\r\n` and a lone
 * `\r` end a line). Memory: one chunk plus one line at a time.
 */
export function blobTextSource(blob: BlobLike, name: string, path = name): TextSource {
  return {
    name: baseName(name),
    path,
    forEachLine: (onLine, options = {}) => readBlobLines(blob, baseName(name), onLine, options),
  };
}

async function readBlobLines(
  blob: BlobLike,
  file: string,
  onLine: (line: string, lineNumber: number) => void,
  options: LineOptions,
): Promise<number> {
  const utf8 = (options.encoding ?? 'utf8') === 'utf8';
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const totalBytes = blob.size;
  let bytes = 0;
  let raw: ReadableStream<Uint8Array> = blob.stream();
  if (/\.gz$/i.test(file)) raw = raw.pipeThrough(new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>);
  const reader = raw.getReader();
  let lineNumber = 0;
  let carry: Uint8Array | null = null; // bytes of an unfinished line from earlier chunks
  let skipLf = false; // the previous chunk ended in \r: a leading \n belongs to it
  const emit = (lineBytes: Uint8Array): void => {
    lineNumber++;
    let line: string;
    if (!utf8) {
      line = latin1(lineBytes);
    } else {
      try {
        line = decoder.decode(lineBytes);
      } catch {
        throw new DataFormatError(file, lineNumber, 'invalid UTF-8 (the file must be UTF-8 encoded)');
      }
    }
    if (lineNumber === 1 && line.startsWith('\ufeff')) line = line.slice(1); // byte order mark
    if (line.length === 0) return;
    onLine(line, lineNumber);
    if (options.onProgress && lineNumber % PROGRESS_EVERY === 0) {
      options.onProgress({ file, rows: lineNumber, done: false, bytes, totalBytes });
    }
  };
  try {
    for (;;) {
      let chunk: Uint8Array;
      try {
        const next = await reader.read();
        if (next.done) break;
        chunk = next.value;
      } catch (error) {
        throw new DataFormatError(file, 0, `cannot read: ${(error as Error).message}`);
      }
      bytes += chunk.byteLength;
      let start = 0;
      if (skipLf && chunk.length > 0) {
        if (chunk[0] === LF) start = 1;
        skipLf = false;
      }
      for (let i = start; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte !== LF && byte !== CR) continue;
        const piece = chunk.subarray(start, i);
        emit(carry ? concat(carry, piece) : piece);
        carry = null;
        if (byte === CR) {
          if (i + 1 < chunk.length) {
            if (chunk[i + 1] === LF) i++;
          } else {
            skipLf = true;
          }
        }
        start = i + 1;
      }
      if (start < chunk.length) carry = carry ? concat(carry, chunk.subarray(start)) : chunk.slice(start);
    }
    if (carry && carry.length > 0) emit(carry);
  } finally {
    reader.releaseLock();
  }
  options.onProgress?.({ file, rows: lineNumber, done: true, bytes, totalBytes });
  return lineNumber;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Latin-1 (ISO-8859-1: one char per byte; not the WHATWG `latin1` label, which is windows-1252). */
function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return out;
}

/**
 * Splits one CSV line (RFC 4180 quoting: fields may be wrapped in `"`, with `""` for a literal quote).
 * Quoted fields spanning lines are not supported and are reported as an unterminated quote.
 */
export function splitCsvLine(line: string, file: string, lineNumber: number, delimiter = ','): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) throw new DataFormatError(file, lineNumber, 'unterminated quoted field');
        value += line.slice(i, close);
        if (line[close + 1] === '"') {
          value += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      if (i < line.length && line[i] !== delimiter) {
        throw new DataFormatError(file, lineNumber, `unexpected character after quoted field at column ${i + 1}`);
      }
      fields.push(value);
      i++;
    } else {
      const next = line.indexOf(delimiter, i);
      const end = next < 0 ? line.length : next;
      fields.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

/** Parses a finite number or throws a DataFormatError naming the column. */
export function parseNumber(text: string, what: string, file: string, lineNumber: number): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value)) throw new DataFormatError(file, lineNumber, `${what} "${text}" is not a number`);
  return value;
}

/** Throws unless the row has exactly `expected` fields. */
export function expectFields(fields: string[], expected: number, file: string, lineNumber: number): void {
  if (fields.length !== expected) {
    throw new DataFormatError(file, lineNumber, `expected ${expected} fields, got ${fields.length}`);
  }
}
