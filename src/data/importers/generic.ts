/**
 * The generic format for a user's own log (documented with an example in docs/data.md):
 *
 * - events file, CSV or TSV (`.tsv` / tab in the header), header row naming the columns
 *   `user`, `item`, optional `timestamp` (unix seconds/milliseconds or an ISO-8601 date), optional `order` (a
 *   number: the event's position in the user's sequence), optional `outcome` (a name such as click/save/buy)
 *   or `rating` (a number mapped by the rating rule). Unknown extra columns are ignored.
 * - optional items file, header `item[,title][,features][,year]`; `features` is `|`-separated, tokens without
 *   a `kind:` prefix become `feature:<token>`. When given, it is the catalog: events for other items are dropped.
 * - optional vectors file, header `item,<name>...`, then one row per catalog item with d numbers.
 */
import { DatasetBuilder } from '../builder.ts';
import { DataFormatError } from '../errors.ts';
import { namespaced } from '../features.ts';
import { expectFields, parseNumber, splitCsvLine, type TextSource } from '../lines.ts';
import { compileRatingRule, MOVIELENS_RATING_RULE } from '../outcomes.ts';
import type { Dataset } from '../types.ts';
import type { ImporterOptions } from './options.ts';

/**
 * The files of a generic log, as TextSources: `nodeTextSource(path)` in Node (src/data/io.ts),
 * `blobTextSource(file)` for a browser `File` (src/data/lines.ts). This module never touches a file system.
 */
export interface GenericFiles {
  events: TextSource;
  items?: TextSource;
  vectors?: TextSource;
  /** Dataset name (default: the events file name without extensions). */
  name?: string;
}

const ALIASES: Record<string, string[]> = {
  user: ['user', 'user_id', 'userid'],
  item: ['item', 'item_id', 'itemid'],
  timestamp: ['timestamp', 'time', 'ts'],
  order: ['order', 'seq', 'sequence', 'position'],
  outcome: ['outcome', 'action', 'event', 'behavior'],
  rating: ['rating', 'score'],
  title: ['title', 'name'],
  features: ['features', 'tags', 'genres'],
  year: ['year'],
};

const EVENT_COLUMNS = ['user', 'item', 'timestamp', 'order', 'outcome', 'rating'];

function delimiterOf(source: TextSource, header: string): string {
  return /\.tsv(\.gz)?$/i.test(source.name) || header.includes('\t') ? '\t' : ',';
}

function columnIndex(header: string[], column: string): number {
  const names = ALIASES[column]!;
  return header.findIndex((h) => names.includes(h.trim().toLowerCase()));
}

/** Checks a header row: a column name may appear once, and one column may not be named twice through aliases. */
function checkHeader(header: string[], columns: string[], file: string, n: number): void {
  const seen = new Set<string>();
  for (const h of header) {
    const key = h.trim().toLowerCase();
    if (key === '') continue;
    if (seen.has(key)) throw new DataFormatError(file, n, `column "${h.trim()}" appears twice in the header`);
    seen.add(key);
  }
  for (const column of columns) {
    const names = header.map((h) => h.trim()).filter((h) => ALIASES[column]!.includes(h.toLowerCase()));
    if (names.length > 1) throw new DataFormatError(file, n, `columns "${names[0]}" and "${names[1]}" both name the ${column}`);
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Parses a timestamp strictly: unix seconds (an integer or decimal number; 13 or more integer digits =
 * milliseconds) or an ISO-8601 date `YYYY-MM-DD[(T| )hh:mm[:ss[.fff]]][Z|±hh:mm]` (no offset = UTC). Impossible
 * dates (2023-02-30), other formats (12/31/2023) and out-of-range fields are errors. Returns unix seconds.
 */
export function parseTime(text: string, file: string, n: number): number {
  const trimmed = text.trim();
  const fail = (why: string): never => {
    throw new DataFormatError(file, n, `timestamp "${text}" ${why}`);
  };
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) {
    const value = Number(trimmed);
    const digits = trimmed.replace(/^-/, '').split('.')[0]!.length;
    return digits >= 13 ? value / 1000 : value;
  }
  const m = ISO_DATE.exec(trimmed);
  if (!m) return fail('is neither unix seconds/milliseconds nor an ISO-8601 date (YYYY-MM-DD[Thh:mm[:ss]][Z|±hh:mm])');
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (days === undefined) return fail(`has month ${month}`);
  if (day < 1 || day > days) return fail(`is not a date (${year}-${m[2]} has ${days} days)`);
  if (hour > 23 || minute > 59 || second > 59) return fail('has a time of day out of range');
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > 23 || om > 59) return fail('has an offset out of range');
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = m[7] ? Number(m[7]) : 0;
  return Date.UTC(year, month - 1, day, hour, minute, second) / 1000 + fraction - offsetMinutes * 60;
}

/**
 * First pass over the events file: the outcome vocabulary (first-appearance order) when there is an outcome
 * column, and whether there is a rating column.
 */
async function scanOutcomes(
  source: TextSource,
  onProgress?: ImporterOptions['onProgress'],
): Promise<{ names?: string[]; hasRating: boolean; hasTime: boolean; hasOrder: boolean }> {
  const file = source.name;
  let delimiter = ',';
  let column = -1;
  let hasRating = false;
  let hasTime = false;
  let hasOrder = false;
  const names: string[] = [];
  let sawHeader = false;
  await source.forEachLine(
    (line, n) => {
    if (!sawHeader) {
      sawHeader = true;
      delimiter = delimiterOf(source, line);
      const header = splitCsvLine(line, file, n, delimiter);
      checkHeader(header, EVENT_COLUMNS, file, n);
      column = columnIndex(header, 'outcome');
      hasRating = columnIndex(header, 'rating') >= 0;
      hasTime = columnIndex(header, 'timestamp') >= 0;
      hasOrder = columnIndex(header, 'order') >= 0;
      return;
    }
    if (column < 0) return;
    const value = splitCsvLine(line, file, n, delimiter)[column]?.trim();
    if (value && !names.includes(value)) names.push(value);
    },
    { onProgress },
  );
  if (!sawHeader) throw new DataFormatError(file, 0, 'empty file: expected a header row naming `user` and `item` columns');
  return { names: column < 0 ? undefined : names, hasRating, hasTime, hasOrder };
}

/** Imports a generic events file (+ optional items and vectors files). */
export async function importGeneric(files: GenericFiles, options: ImporterOptions = {}): Promise<Dataset> {
  const rule = compileRatingRule(options.ratingRule ?? MOVIELENS_RATING_RULE);
  const scan = await scanOutcomes(files.events, options.onScanProgress);
  const outcomeNames = scan.names;
  if (outcomeNames && outcomeNames.length === 0) outcomeNames.push('interact');
  const name = files.name ?? files.events.name.replace(/(\.(csv|tsv|txt))?(\.gz)?$/i, '');
  const builder = new DatasetBuilder({
    name,
    outcomes: outcomeNames ?? (scan.hasRating ? rule.outcomes : ['interact']),
    // Order: an explicit order column, else timestamps, else file rows. Duplicates: a row repeating what
    // identifies an event (user, item, timestamp and/or order, outcome) is dropped; without timestamps or
    // order nothing identifies an event beyond its row, so a repeated (user, item) is re-consumption and kept.
    order: scan.hasOrder ? 'rank' : scan.hasTime ? 'time' : 'file',
    dedupe: scan.hasOrder || scan.hasTime ? 'exact' : 'none',
    closedCatalog: files.items !== undefined,
    keepItemsWithoutEvents: true,
  });

  if (files.items) {
    const items = files.items;
    const file = items.name;
    let delimiter = ',';
    let cols = { item: -1, title: -1, features: -1, year: -1, width: 0 };
    builder.addFile(
      items.path,
      (await items.forEachLine((line, n) => {
        if (n === 1) {
          delimiter = delimiterOf(items, line);
          const header = splitCsvLine(line, file, n, delimiter);
          checkHeader(header, ['item', 'title', 'features', 'year'], file, n);
          cols = {
            item: columnIndex(header, 'item'),
            title: columnIndex(header, 'title'),
            features: columnIndex(header, 'features'),
            year: columnIndex(header, 'year'),
            width: header.length,
          };
          if (cols.item < 0) throw new DataFormatError(file, n, 'header must name an `item` column');
          return;
        }
        const fields = splitCsvLine(line, file, n, delimiter);
        expectFields(fields, cols.width, file, n);
        const id = fields[cols.item]!.trim();
        if (builder.itemOf(id) !== undefined) {
          builder.drop('duplicate catalog row');
          return;
        }
        const tokens = cols.features >= 0 ? fields[cols.features]!.split('|') : [];
        const yearText = cols.year >= 0 ? fields[cols.year]!.trim() : '';
        const year = yearText === '' ? NaN : parseNumber(yearText, 'year', file, n);
        builder.addItem(id, {
          title: cols.title >= 0 ? fields[cols.title]!.trim() || undefined : undefined,
          year,
          features: [
            ...tokens.filter((t) => t.includes(':')).map((t) => t.trim()),
            ...namespaced('feature', tokens.filter((t) => !t.includes(':'))),
            ...(Number.isFinite(year) ? [`year:${year}`] : []),
          ],
        });
      })) - 1,
    );
  }

  const file = files.events.name;
  let delimiter = ',';
  let cols = { user: -1, item: -1, time: -1, order: -1, outcome: -1, rating: -1, width: 0 };
  builder.addFile(
    files.events.path,
    (await files.events.forEachLine(
      (line, n) => {
        if (n === 1) {
          delimiter = delimiterOf(files.events, line);
          const header = splitCsvLine(line, file, n, delimiter);
          cols = {
            user: columnIndex(header, 'user'),
            item: columnIndex(header, 'item'),
            time: columnIndex(header, 'timestamp'),
            order: columnIndex(header, 'order'),
            outcome: columnIndex(header, 'outcome'),
            rating: columnIndex(header, 'rating'),
            width: header.length,
          };
          if (cols.user < 0 || cols.item < 0) {
            throw new DataFormatError(file, n, `header must name \`user\` and \`item\` columns, got "${line}"`);
          }
          return;
        }
        const fields = splitCsvLine(line, file, n, delimiter);
        expectFields(fields, cols.width, file, n);
        const user = fields[cols.user]!.trim();
        const item = fields[cols.item]!.trim();
        if (user === '' || item === '') throw new DataFormatError(file, n, 'empty user or item');
        let time = NaN;
        if (cols.time >= 0) {
          if (fields[cols.time]!.trim() === '') throw new DataFormatError(file, n, 'missing timestamp');
          time = parseTime(fields[cols.time]!, file, n);
        }
        let outcome = 0;
        if (cols.outcome >= 0) {
          outcome = outcomeNames!.indexOf(fields[cols.outcome]!.trim());
          if (outcome < 0) throw new DataFormatError(file, n, 'missing outcome');
        } else if (cols.rating >= 0) {
          outcome = rule.outcomeOf(parseNumber(fields[cols.rating]!, 'rating', file, n));
        }
        const rank = cols.order >= 0 ? parseNumber(fields[cols.order]!, 'order', file, n) : 0;
        builder.addEvent(user, item, outcome, time, rank);
      },
      { onProgress: options.onProgress },
    )) - 1,
  );
  const dataset = builder.build();
  if (dataset.summary.events === 0) {
    const dropped = Object.entries(dataset.summary.dropped).map(([k, v]) => `${k}: ${v}`);
    throw new DataFormatError(file, 0, `no events (a header but no usable rows${dropped.length ? `; dropped ${dropped.join(', ')}` : ''})`);
  }
  if (cols.time < 0) dataset.hasTimestamps = false;

  if (files.vectors) await attachVectors(dataset, files.vectors);
  return dataset;
}

/** Reads `item,v1..vd` rows into catalog.vectors; every catalog item needs exactly one row. */
async function attachVectors(dataset: Dataset, source: TextSource): Promise<void> {
  const file = source.name;
  const index = new Map(dataset.catalog.ids.map((id, i) => [id, i]));
  const itemCount = dataset.catalog.ids.length;
  let delimiter = ',';
  let dim = 0;
  let vectors = new Float32Array(0);
  const filled = new Uint8Array(itemCount);
  const rows = await source.forEachLine((line, n) => {
    if (n === 1) {
      delimiter = delimiterOf(source, line);
      dim = splitCsvLine(line, file, n, delimiter).length - 1;
      if (dim < 1) throw new DataFormatError(file, n, 'header must be item followed by at least one vector column');
      vectors = new Float32Array(itemCount * dim);
      return;
    }
    const fields = splitCsvLine(line, file, n, delimiter);
    expectFields(fields, dim + 1, file, n);
    const item = index.get(fields[0]!.trim());
    if (item === undefined) {
      dataset.summary.dropped['vector for unknown item'] = (dataset.summary.dropped['vector for unknown item'] ?? 0) + 1;
      return;
    }
    if (filled[item]) throw new DataFormatError(file, n, `second vector for item ${fields[0]}`);
    filled[item] = 1;
    for (let d = 0; d < dim; d++) vectors[item * dim + d] = parseNumber(fields[d + 1]!, `v${d + 1}`, file, n);
  });
  const missing = dataset.catalog.ids.filter((_, i) => !filled[i]);
  if (missing.length > 0) {
    throw new DataFormatError(file, 0, `no vector for ${missing.length} catalog item(s), first: ${missing[0]}`);
  }
  dataset.catalog.vectors = vectors;
  dataset.catalog.vectorDim = dim;
  dataset.summary.files.push({ path: source.path, rows: rows - 1 });
}
