/**
 * loadDataset: the one entry point for getting a Dataset, by short name (`ml-1m`, `beauty`, ...) or by path
 * (a generic events file, or a directory in a known layout). Names resolve inside the data directory:
 * option `dataDir` > env `POCKETREC_DATA_DIR` > `<repo root>/../shared/datasets` (found from this module's
 * location, not the working directory). ml-latest-small defaults to the copy shipped in `<repo>/data/`.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DatasetNotFoundError } from './errors.ts';
import { importGeneric } from './importers/generic.ts';
import { importMovieLens100K, importMovieLens1M, importMovieLensLatest } from './importers/movielens.ts';
import type { ImporterOptions } from './importers/options.ts';
import { importS3Rec, S3REC_LAYOUTS } from './importers/s3rec.ts';
import { importTaobao } from './importers/taobao.ts';
import { findDataFile } from './io.ts';
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

/** Picks a loader for a directory from the files it holds. */
function layoutOfDirectory(dir: string): DatasetEntry['load'] | undefined {
  if (findDataFile(dir, 'ratings.csv') && findDataFile(dir, 'movies.csv')) return importMovieLensLatest;
  if (findDataFile(`${dir}/recon`, 'user_sequences_chrono.txt')) return importMovieLens1M;
  if (findDataFile(dir, 'u.data')) return importMovieLens100K;
  if (findDataFile(dir, 'UserBehavior_head.csv') || findDataFile(dir, 'UserBehavior.csv')) return importTaobao;
  for (const layout of Object.values(S3REC_LAYOUTS)) {
    if (findDataFile(dir, layout.sequences)) return (d, o) => importS3Rec(d, layout, o);
  }
  for (const ext of ['csv', 'tsv']) {
    const events = findDataFile(dir, `events.${ext}`);
    if (events) {
      return (d, o) =>
        importGeneric(
          {
            events,
            items: o.items ?? findDataFile(d, `items.${ext}`),
            vectors: o.vectors ?? findDataFile(d, `vectors.${ext}`),
            name: d.split('/').filter(Boolean).pop(),
          },
          o,
        );
    }
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
    return entry.load(dir, options);
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
        `${path}: no known layout (expected e.g. events.csv [+ items.csv, vectors.csv], ratings.csv + movies.csv, u.data, ...)`,
      );
    }
    return load(path, options);
  }
  return importGeneric({ events: path, items: options.items, vectors: options.vectors }, options);
}
