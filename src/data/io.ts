/**
 * Node-side streaming line readers for dataset files. Files may be gzip-compressed (`.gz`, inflated on the fly
 * with node:zlib) or plain; lines are read with node:readline so a 1M-row file never sits in memory as one
 * string. The browser-safe half (TextSource, the Blob reader, CSV helpers) is lines.ts, re-exported here.
 */
import { isUtf8 } from 'node:buffer';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip, gunzipSync } from 'node:zlib';
import { DataFormatError, DatasetNotFoundError } from './errors.ts';
import { PROGRESS_EVERY, type ReadProgress, type TextEncoding, type TextSource } from './lines.ts';

export {
  baseName,
  expectFields,
  parseNumber,
  PROGRESS_EVERY,
  splitCsvLine,
  type ReadProgress,
  type TextEncoding,
  type TextSource,
} from './lines.ts';

/** A TextSource over a file on disk (plain or `.gz`), read by `forEachLine` below. */
export function nodeTextSource(path: string): TextSource {
  return { name: basename(path), path, forEachLine: (onLine, options) => forEachLine(path, onLine, options) };
}

const NON_ASCII = /[\x80-\xff]/;

/**
 * Finds `<dir>/<name>.gz` or `<dir>/<name>`; returns undefined when neither exists.
 * Tests ship plain fixtures, the shared datasets are gzipped: both read the same way.
 */
export function findDataFile(dir: string, name: string): string | undefined {
  for (const candidate of [`${dir}/${name}.gz`, `${dir}/${name}`]) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Like findDataFile, but a missing file is an error naming both paths tried. */
export function requireDataFile(dir: string, name: string): string {
  const found = findDataFile(dir, name);
  if (!found) throw new DatasetNotFoundError(`missing ${dir}/${name}.gz (or ${dir}/${name})`);
  return found;
}

/**
 * Calls `onLine(line, lineNumber)` for every line of `path` (1-based numbers, trailing `\r` stripped, empty
 * lines skipped but counted, a UTF-8 byte order mark dropped). Resolves to the number of lines seen. A throw
 * from `onLine` stops the read. With the default `utf8` encoding a line that is not valid UTF-8 is a
 * DataFormatError naming file and line.
 */
export async function forEachLine(
  path: string,
  onLine: (line: string, lineNumber: number) => void,
  options: { encoding?: TextEncoding; onProgress?: (progress: ReadProgress) => void } = {},
): Promise<number> {
  const file = basename(path);
  const raw = createReadStream(path);
  const source = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  // Read bytes as latin-1 (one char per byte, lossless), split lines, then decode UTF-8 per line: invalid
  // UTF-8 becomes an error naming the line instead of U+FFFD (which made distinct ids collide).
  const utf8 = (options.encoding ?? 'utf8') === 'utf8';
  source.setEncoding('latin1');
  const failure = new Promise<never>((_, reject) => {
    const fail = (error: Error) => reject(new DataFormatError(file, 0, `cannot read: ${error.message}`));
    raw.on('error', fail);
    source.on('error', fail);
  });
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  let lineNumber = 0;
  const reading = (async () => {
    try {
      for await (const rawLine of lines) {
        lineNumber++;
        let line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
        if (utf8 && NON_ASCII.test(line)) {
          const bytes = Buffer.from(line, 'latin1');
          if (!isUtf8(bytes)) throw new DataFormatError(file, lineNumber, 'invalid UTF-8 (the file must be UTF-8 encoded)');
          line = bytes.toString('utf8');
        }
        if (lineNumber === 1 && line.startsWith('\ufeff')) line = line.slice(1); // byte order mark
        if (line.length === 0) continue;
        onLine(line, lineNumber);
        if (options.onProgress && lineNumber % PROGRESS_EVERY === 0) {
          options.onProgress({ file, rows: lineNumber, done: false });
        }
      }
    } finally {
      lines.close();
      raw.destroy();
    }
    options.onProgress?.({ file, rows: lineNumber, done: true });
    return lineNumber;
  })();
  return Promise.race([reading, failure]);
}

/** Reads a whole (optionally gzipped) JSON file; a parse failure names the file. */
export function readJsonFile(path: string): unknown {
  const bytes = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DataFormatError(basename(path), 0, `invalid JSON: ${(error as Error).message}`);
  }
}
