/**
 * loadDataset: the one entry point for getting a Dataset, by short name (`ml-1m`, `beauty`, ...) or by path
 * (a generic events file, or a directory in a known layout). Names resolve inside the data directory:
 * option `dataDir` > env `POCKETREC_DATA_DIR` > `<repo root>/../shared/datasets` (found from this module's
 * location, not the working directory). ml-latest-small defaults to the copy shipped in `<repo>/data/`.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataFormatError, DatasetNotFoundError } from './errors.ts';
import { importGeneric, type GenericFiles } from './importers/generic.ts';
import { importMovieLens100K, importMovieLens1M, importMovieLensLatest } from './importers/movielens.ts';
import type { ImporterOptions } from './importers/options.ts';
import { importS3Rec, S3REC_LAYOUTS, type S3RecLayout } from './importers/s3rec.ts';
import { importTaobao } from './importers/taobao.ts';
import { findDataFile, nodeTextSource } from './io.ts';
import type { Dataset } from './types.ts';

/** The repository root (two levels above src/data/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The data directory used when neither the option nor POCKETREC_DATA_DIR is set. */
export const DEFAULT_DATA_DIR = resolve(REPO_ROOT, '../shared/datasets');

/** Where the shipped ml-latest-small lives. */
export const SHIPPED_ML_LATEST_SMALL = resolve(REPO_ROOT, 'data/movielens-latest-small');

export interface LoadDatasetOptions extends ImporterOptions {
  /** Data directory holding the shared datasets (see module doc for the default). */
  dataDir?: string;
  /** Generic format only: items file (`item,title,features,year`). */
  items?: string;
  /** Generic format only: vectors file (`item,v1..vd`). */
  vectors?: string;
  /**
   * The dataset's name (manifests, default output folders, per-dataset defaults). Default: the short name,
   * or for a path the file's name without extensions (`events`), a folder's name, or `<Name>` of `<Name>.txt`.
   */
  name?: string;
}

interface DatasetEntry {
  /** Folder under the data directory. */
  folder: string;
  /** One-line description for `pocketrec import --help`. */
  description: string;
  load(dir: string, options: LoadDatasetOptions): Promise<Dataset>;
}

/** Known datasets by short name. */
export const DATASETS: Record<string, DatasetEntry> = {
  'ml-1m': {
    folder: 'movielens-1m',
    description: 'MovieLens-1M (recon chronological sequences + ratings, movies.dat)',
    load: importMovieLens1M,
  },
  'ml-latest-small': {
    folder: 'movielens-latest-small',
    description: 'MovieLens latest-small (shipped in data/movielens-latest-small)',
    load: importMovieLensLatest,
  },
  'ml-100k': { folder: 'movielens-100k', description: 'MovieLens-100k (u.data, u.item)', load: importMovieLens100K },
  beauty: {
    folder: 'amazon-beauty',
    description: 'Amazon Beauty 5-core, S3-Rec format, brand/category content',
    load: (dir, o) => importS3Rec(dir, S3REC_LAYOUTS.beauty, o),
  },
  sports: {
    folder: 'amazon-sports',
    description: 'Amazon Sports_and_Outdoors 5-core, S3-Rec format, anonymous attributes',
    load: (dir, o) => importS3Rec(dir, S3REC_LAYOUTS.sports, o),
  },
  yelp: {
    folder: 'yelp',
    description: 'Yelp 2019, S3-Rec format, business categories',
    load: (dir, o) => importS3Rec(dir, S3REC_LAYOUTS.yelp, o),
  },
  lastfm: {
    folder: 'lastfm',
    description: 'HetRec LastFM, S3-Rec format, tag attributes',
    load: (dir, o) => importS3Rec(dir, S3REC_LAYOUTS.lastfm, o),
  },
  taobao: {
    folder: 'taobao-userbehavior-sample',
    description: 'Taobao UserBehavior sample (pv/cart/fav/buy, categories)',
    load: importTaobao,
  },
};

/** Resolves the data directory: option > POCKETREC_DATA_DIR > default next to the repo. */
export function resolveDataDir(dataDir?: string): string {
  return resolve(dataDir ?? process.env.POCKETREC_DATA_DIR ?? DEFAULT_DATA_DIR);
}

type Loader = DatasetEntry['load'];

/** First line of a plain file (up to 4 KiB), or '' when unreadable. */
function firstLine(path: string): string {
  try {
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(4096);
      const n = readSync(fd, buffer, 0, buffer.length, 0);
      return buffer.subarray(0, n).toString('utf8').split(/\r?\n/)[0] ?? '';
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

/** True when a file's first line looks like S3-Rec (`user item item ...`, space separated); gzipped files are trusted. */
function looksLikeS3Rec(path: string): boolean {
  return path.endsWith('.gz') || /^\S+( +\S+)+ *$/.test(firstLine(path));
}

/** The S3-Rec layout of `<dir>/<stem>.txt`: named after the file, attributes from `<stem>_item2attributes.json`. */
function s3recLayoutOf(stem: string): S3RecLayout {
  return { name: stem, sequences: `${stem}.txt`, content: 'item2attributes', attributesFile: `${stem}_item2attributes.json` };
}

/**
 * Any folder with one `<Name>.txt` in the S3-Rec format: the one with a `<Name>_item2attributes.json` beside it,
 * else the only .txt file of the folder.
 */
function detectS3Rec(dir: string): Loader | undefined {
  const stems = readdirSync(dir)
    .map((f) => /^(.+)\.txt(\.gz)?$/.exec(f)?.[1])
    .filter((stem): stem is string => stem !== undefined);
  const unique = [...new Set(stems)];
  const withAttributes = unique.filter((stem) => findDataFile(dir, `${stem}_item2attributes.json`));
  const stem = withAttributes.length === 1 ? withAttributes[0] : unique.length === 1 ? unique[0] : undefined;
  if (stem === undefined || !looksLikeS3Rec(findDataFile(dir, `${stem}.txt`)!)) return undefined;
  return (d, o) => importS3Rec(d, s3recLayoutOf(stem), o);
}

/** Every folder layout loadDataset recognises, in the order tried (the "no known layout" error lists them all). */
const DIRECTORY_LAYOUTS: { describe: string; detect(dir: string): Loader | undefined }[] = [
  {
    describe: 'ratings.csv + movies.csv (MovieLens latest)',
    detect: (dir) => (findDataFile(dir, 'ratings.csv') && findDataFile(dir, 'movies.csv') ? importMovieLensLatest : undefined),
  },
  {
    describe: 'recon/user_sequences_chrono.txt + movies.dat (MovieLens-1M)',
    detect: (dir) => (findDataFile(`${dir}/recon`, 'user_sequences_chrono.txt') ? importMovieLens1M : undefined),
  },
  { describe: 'u.data + u.item (MovieLens-100k)', detect: (dir) => (findDataFile(dir, 'u.data') ? importMovieLens100K : undefined) },
  {
    describe: 'UserBehavior.csv or UserBehavior_head.csv (Taobao)',
    detect: (dir) => (findDataFile(dir, 'UserBehavior_head.csv') || findDataFile(dir, 'UserBehavior.csv') ? importTaobao : undefined),
  },
  ...Object.values(S3REC_LAYOUTS).map((layout) => ({
    describe: `${layout.sequences} (S3-Rec ${layout.name})`,
    detect: (dir: string): Loader | undefined => (findDataFile(dir, layout.sequences) ? (d, o) => importS3Rec(d, layout, o) : undefined),
  })),
  ...['csv', 'tsv'].map((ext) => ({
    describe: `events.${ext} [+ items.${ext}, vectors.${ext}] (generic)`,
    detect: (dir: string): Loader | undefined => {
      const events = findDataFile(dir, `events.${ext}`);
      if (!events) return undefined;
      return (d, o) =>
        importGeneric(
          genericSources(events, o.items ?? findDataFile(d, `items.${ext}`), o.vectors ?? findDataFile(d, `vectors.${ext}`), {
            name: d.split('/').filter(Boolean).pop(),
          }),
          o,
        );
    },
  })),
  // Last: a folder with events.csv and some notes.txt is a generic log.
  {
    describe: 'one <Name>.txt of "user item item ..." lines [+ <Name>_item2attributes.json] (S3-Rec format)',
    detect: detectS3Rec,
  },
];

/** Picks a loader for a directory from the files it holds. */
function layoutOfDirectory(dir: string): Loader | undefined {
  for (const layout of DIRECTORY_LAYOUTS) {
    const load = layout.detect(dir);
    if (load) return load;
  }
  return undefined;
}

/**
 * Loads a dataset by short name (see DATASETS) or by path: a file is read in the generic format (with
 * `options.items` / `options.vectors`), a directory by the layout its files reveal.
 */
export async function loadDataset(nameOrPath: string, options: LoadDatasetOptions = {}): Promise<Dataset> {
  const entry = DATASETS[nameOrPath];
  if (entry) {
    const candidates: string[] = [];
    if (nameOrPath === 'ml-latest-small') {
      if (options.dataDir ?? process.env.POCKETREC_DATA_DIR) candidates.push(resolve(resolveDataDir(options.dataDir), entry.folder));
      candidates.push(SHIPPED_ML_LATEST_SMALL);
    } else {
      candidates.push(resolve(resolveDataDir(options.dataDir), entry.folder));
    }
    const dir = candidates.find((c) => existsSync(c));
    if (!dir) {
      throw new DatasetNotFoundError(
        `dataset "${nameOrPath}" not found: looked in ${candidates.join(', ')}. ` +
          'Point --data-dir (or the POCKETREC_DATA_DIR environment variable) at the folder holding ' +
          `${entry.folder}/ (default ${DEFAULT_DATA_DIR}).`,
      );
    }
    return named(await entry.load(dir, options), options);
  }

  const path = resolve(nameOrPath);
  if (!existsSync(path)) {
    throw new DatasetNotFoundError(
      `"${nameOrPath}" is neither a known dataset (${Object.keys(DATASETS).join(', ')}) nor an existing path`,
    );
  }
  if (statSync(path).isDirectory()) {
    const load = layoutOfDirectory(path);
    if (!load) {
      throw new DatasetNotFoundError(
        `${path}: no known layout; tried: ${DIRECTORY_LAYOUTS.map((l) => l.describe).join('; ')}`,
      );
    }
    return named(await load(path, options), options);
  }
  // A single S3-Rec sequence file (`<Name>.txt` of `user item item ...` lines) imports like its folder.
  const s3rec = /^(.+)\.txt(\.gz)?$/.exec(basename(path));
  if (s3rec && looksLikeS3Rec(path)) return named(await importS3Rec(dirname(path), s3recLayoutOf(s3rec[1]!), options), options);
  return named(await importGeneric(genericSources(path, options.items, options.vectors), options), options);
}

/** The generic importer's files as Node TextSources. */
function genericSources(events: string, items?: string, vectors?: string, extra: { name?: string } = {}): GenericFiles {
  return {
    events: nodeTextSource(events),
    ...(items ? { items: nodeTextSource(items) } : {}),
    ...(vectors ? { vectors: nodeTextSource(vectors) } : {}),
    ...extra,
  };
}

/** Applies `options.name` and refuses a dataset without events (whatever the importer). */
function named(dataset: Dataset, options: LoadDatasetOptions): Dataset {
  if (dataset.summary.events === 0) {
    const file = dataset.summary.files[0]?.path;
    throw new DataFormatError(file ? basename(file) : dataset.name, 0, 'no events: nothing to import');
  }
  if (options.name !== undefined) dataset.name = options.name;
  return dataset;
}
