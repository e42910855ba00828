/**
 * The S3-Rec sequence format shared by Amazon Beauty / Sports, Yelp and LastFM: one line per user,
 * `user_id item_id item_id ...`, already in chronological order (order only, no timestamps). Events keep the
 * file order and repeats (re-consumption is real in Yelp). Content comes from a per-set side file.
 */
import { basename } from 'node:path';
import { DatasetBuilder } from '../builder.ts';
import { DataFormatError } from '../errors.ts';
import { namespaced, titleWordTokens } from '../features.ts';
import { expectFields, findDataFile, forEachLine, readJsonFile, requireDataFile } from '../io.ts';
import type { Dataset } from '../types.ts';
import type { ImporterOptions } from './options.ts';

/** Where a set's content comes from. */
export type S3RecContent =
  /** Amazon Beauty `items.tsv`: attribute names, brand first when kept -> `brand:` + `category:`; text id -> title. */
  | 'beauty-items-tsv'
  /** Yelp `items.tsv`: business category names -> `category:`. */
  | 'yelp-items-tsv'
  /** `<Set>_item2attributes.json`: anonymous attribute ids -> `attr:<id>`. */
  | 'item2attributes';

/** One S3-Rec-format dataset: its short name, sequence file and content source. */
export interface S3RecLayout {
  name: string;
  sequences: string;
  content: S3RecContent;
  /** For `item2attributes`: the JSON file name. */
  attributesFile?: string;
}

export const S3REC_LAYOUTS: Record<'beauty' | 'sports' | 'yelp' | 'lastfm', S3RecLayout> = {
  beauty: { name: 'beauty', sequences: 'Beauty.txt', content: 'beauty-items-tsv' },
  sports: {
    name: 'sports',
    sequences: 'Sports_and_Outdoors.txt',
    content: 'item2attributes',
    attributesFile: 'Sports_and_Outdoors_item2attributes.json',
  },
  yelp: { name: 'yelp', sequences: 'Yelp.txt', content: 'yelp-items-tsv' },
  lastfm: {
    name: 'lastfm',
    sequences: 'LastFM.txt',
    content: 'item2attributes',
    attributesFile: 'LastFM_item2attributes.json',
  },
};

/** Imports one S3-Rec-format dataset from `dir`. Items are indexed in order of first appearance. */
export async function importS3Rec(dir: string, layout: S3RecLayout, options: ImporterOptions = {}): Promise<Dataset> {
  const builder = new DatasetBuilder({
    name: layout.name,
    outcomes: ['interact'],
    order: 'file',
    dedupe: 'none',
    closedCatalog: false,
    keepItemsWithoutEvents: false,
  });
  const seqPath = requireDataFile(dir, layout.sequences);
  const seqFile = basename(seqPath);
  const seenUsers = new Set<string>();
  builder.addFile(
    seqPath,
    await forEachLine(
      seqPath,
      (line, n) => {
        const fields = line.trim().split(/\s+/);
        if (fields.length < 2) throw new DataFormatError(seqFile, n, 'expected a user id followed by at least one item id');
        const user = fields[0]!;
        if (seenUsers.has(user)) throw new DataFormatError(seqFile, n, `user ${user} appears on two lines`);
        seenUsers.add(user);
        for (let k = 1; k < fields.length; k++) builder.addEvent(user, fields[k]!, 0, NaN);
      },
      { onProgress: options.onProgress },
    ),
  );

  if (layout.content === 'item2attributes') {
    const path = findDataFile(dir, layout.attributesFile!);
    if (path) {
      const json = readJsonFile(path);
      if (typeof json !== 'object' || json === null || Array.isArray(json)) {
        throw new DataFormatError(basename(path), 0, 'expected an object {item_id: [attribute_id, ...]}');
      }
      let rows = 0;
      for (const [id, attrs] of Object.entries(json as Record<string, unknown>)) {
        rows++;
        if (!Array.isArray(attrs)) throw new DataFormatError(basename(path), 0, `item ${id}: attributes are not a list`);
        const item = builder.itemOf(id);
        if (item === undefined) {
          builder.drop('content for unknown item');
          continue;
        }
        builder.setContent(item, { features: namespaced('attr', attrs.map(String)) });
      }
      builder.addFile(path, rows);
    }
  } else {
    const path = findDataFile(dir, 'items.tsv');
    if (path) await readItemsTsv(path, layout.content, builder);
  }
  return builder.build();
}

async function readItemsTsv(path: string, content: S3RecContent, builder: DatasetBuilder): Promise<void> {
  const file = basename(path);
  const rows: { item: number; names: string[]; text?: string }[] = [];
  let width = 0;
  const lines = await forEachLine(path, (line, n) => {
    const fields = line.split('\t');
    if (n === 1) {
      const expected = content === 'beauty-items-tsv' ? 'attributes' : 'categories';
      if (fields[0] !== 'item_id' || fields[2] !== expected) {
        throw new DataFormatError(file, n, `expected header item_id, <raw id>, ${expected}, ...`);
      }
      width = fields.length;
      return;
    }
    expectFields(fields, width, file, n);
    const item = builder.itemOf(fields[0]!);
    if (item === undefined) {
      builder.drop('content for unknown item');
      return;
    }
    const names = fields[2]!.split('|').filter((s) => s !== '');
    rows.push({ item, names, text: content === 'beauty-items-tsv' ? fields[5] : undefined });
  });
  builder.addFile(path, lines - 1);

  if (content === 'yelp-items-tsv') {
    for (const row of rows) builder.setContent(row.item, { features: namespaced('category', row.names) });
    return;
  }
  // Beauty: the brand comes first "when the brand was kept". A first name that never appears at a later
  // position of any item is a brand; otherwise (brand dropped) it is the top-level category.
  const categoryNames = new Set<string>();
  for (const row of rows) for (const name of row.names.slice(1)) categoryNames.add(name);
  for (const row of rows) {
    const [first, ...rest] = row.names;
    const isBrand = first !== undefined && !categoryNames.has(first);
    const features = [
      ...(isBrand ? namespaced('brand', [first]) : []),
      ...namespaced('category', isBrand ? rest : row.names),
    ];
    const title = row.text?.trim() || undefined;
    if (title) features.push(...titleWordTokens(title));
    builder.setContent(row.item, { title, features });
  }
}
