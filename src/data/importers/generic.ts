/**
 * The generic format for a user's own log (documented with an example in docs/data.md):
 *
 * - events file, CSV or TSV (`.tsv` / tab in the header), header row naming the columns
 *   `user`, `item`, optional `timestamp` (unix seconds or an ISO-8601 date), optional `outcome` (a name such
 *   as click/save/buy) or `rating` (a number mapped by the rating rule). Unknown extra columns are ignored.
 * - optional items file, header `item[,title][,features][,year]`; `features` is `|`-separated, tokens without
 *   a `kind:` prefix become `feature:<token>`. When given, it is the catalog: events for other items are dropped.
 * - optional vectors file, header `item,<name>...`, then one row per catalog item with d numbers.
 */
import { basename } from 'node:path';
import { DatasetBuilder } from '../builder.ts';
import { DataFormatError } from '../errors.ts';
import { namespaced } from '../features.ts';
import { expectFields, forEachLine, parseNumber, splitCsvLine } from '../io.ts';
import { compileRatingRule, MOVIELENS_RATING_RULE } from '../outcomes.ts';
import type { Dataset } from '../types.ts';
import type { ImporterOptions } from './options.ts';

export interface GenericFiles {
  events: string;
  items?: string;
  vectors?: string;
  /** Dataset name (default: the events file name without extensions). */
  name?: string;
}

const ALIASES: Record<string, string[]> = {
  user: ['user', 'user_id', 'userid'],
  item: ['item', 'item_id', 'itemid'],
  timestamp: ['timestamp', 'time', 'ts'],
  outcome: ['outcome', 'action', 'event', 'behavior'],
  rating: ['rating', 'score'],
  title: ['title', 'name'],
  features: ['features', 'tags', 'genres'],
  year: ['year'],
};

function delimiterOf(path: string, header: string): string {
  return /\.tsv(\.gz)?$/i.test(path) || header.includes('\t') ? '\t' : ',';
}

function columnIndex(header: string[], column: string): number {
  const names = ALIASES[column]!;
  return header.findIndex((h) => names.includes(h.trim().toLowerCase()));
}

function parseTime(text: string, file: string, n: number): number {
  const trimmed = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const ms = Date.parse(trimmed);
  if (Number.isNaN(ms)) throw new DataFormatError(file, n, `timestamp "${text}" is neither unix seconds nor an ISO date`);
  return ms / 1000;
}

/**
 * First pass over the events file: the outcome vocabulary (first-appearance order) when there is an outcome
 * column, and whether there is a rating column.
 */
async function scanOutcomes(path: string): Promise<{ names?: string[]; hasRating: boolean }> {
  const file = basename(path);
  let delimiter = ',';
  let column = -1;
  let hasRating = false;
  const names: string[] = [];
  await forEachLine(path, (line, n) => {
    if (n === 1) {
      delimiter = delimiterOf(path, line);
      const header = splitCsvLine(line, file, n, delimiter);
      column = columnIndex(header, 'outcome');
      hasRating = columnIndex(header, 'rating') >= 0;
      return;
    }
    if (column < 0) return;
    const value = splitCsvLine(line, file, n, delimiter)[column]?.trim();
    if (value && !names.includes(value)) names.push(value);
  });
  return { names: column < 0 ? undefined : names, hasRating };
}

/** Imports a generic events file (+ optional items and vectors files). */
export async function importGeneric(files: GenericFiles, options: ImporterOptions = {}): Promise<Dataset> {
  const rule = compileRatingRule(options.ratingRule ?? MOVIELENS_RATING_RULE);
  const scan = await scanOutcomes(files.events);
  const outcomeNames = scan.names;
  if (outcomeNames && outcomeNames.length === 0) outcomeNames.push('interact');
  const name = files.name ?? basename(files.events).replace(/(\.(csv|tsv|txt))?(\.gz)?$/i, '');
  const builder = new DatasetBuilder({
    name,
    outcomes: outcomeNames ?? (scan.hasRating ? rule.outcomes : ['interact']),
    order: 'time',
    dedupe: 'exact',
    closedCatalog: files.items !== undefined,
    keepItemsWithoutEvents: true,
  });

  if (files.items) {
    const file = basename(files.items);
    let delimiter = ',';
    let cols = { item: -1, title: -1, features: -1, year: -1, width: 0 };
    builder.addFile(
      files.items,
      (await forEachLine(files.items, (line, n) => {
        if (n === 1) {
          delimiter = delimiterOf(files.items!, line);
          const header = splitCsvLine(line, file, n, delimiter);
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

  const file = basename(files.events);
  let delimiter = ',';
  let cols = { user: -1, item: -1, time: -1, outcome: -1, rating: -1, width: 0 };
  builder.addFile(
    files.events,
    (await forEachLine(
      files.events,
      (line, n) => {
        if (n === 1) {
          delimiter = delimiterOf(files.events, line);
          const header = splitCsvLine(line, file, n, delimiter);
          cols = {
            user: columnIndex(header, 'user'),
            item: columnIndex(header, 'item'),
            time: columnIndex(header, 'timestamp'),
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
        builder.addEvent(user, item, outcome, time);
      },
      { onProgress: options.onProgress },
    )) - 1,
  );
  const dataset = builder.build();
  if (cols.time < 0) dataset.hasTimestamps = false;

  if (files.vectors) await attachVectors(dataset, files.vectors);
  return dataset;
}

/** Reads `item,v1..vd` rows into catalog.vectors; every catalog item needs exactly one row. */
async function attachVectors(dataset: Dataset, path: string): Promise<void> {
  const file = basename(path);
  const index = new Map(dataset.catalog.ids.map((id, i) => [id, i]));
  const itemCount = dataset.catalog.ids.length;
  let delimiter = ',';
  let dim = 0;
  let vectors = new Float32Array(0);
  const filled = new Uint8Array(itemCount);
  const rows = await forEachLine(path, (line, n) => {
    if (n === 1) {
      delimiter = delimiterOf(path, line);
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
  dataset.summary.files.push({ path, rows: rows - 1 });
}
