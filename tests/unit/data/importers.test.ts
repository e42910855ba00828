/** Importers on small fixtures written in each dataset's real format (tests/fixtures/data/). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DataFormatError, DatasetNotFoundError } from '../../../src/data/errors.ts';
import { loadDataset } from '../../../src/data/registry.ts';
import { parseRatingRule } from '../../../src/data/outcomes.ts';
import type { Dataset } from '../../../src/data/types.ts';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/data');
const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Raw item ids of one user's sequence, in order. */
function rawItems(d: Dataset, userId: string): string[] {
  const seq = d.sequences[d.userIds.indexOf(userId)]!;
  return Array.from(seq.items, (i) => d.catalog.ids[i]!);
}
function outcomeNames(d: Dataset, userId: string): string[] {
  const seq = d.sequences[d.userIds.indexOf(userId)]!;
  return Array.from(seq.outcomes, (o) => d.outcomes[o]!);
}
function featuresOf(d: Dataset, itemId: string): string[] {
  return d.catalog.features[d.catalog.ids.indexOf(itemId)]!;
}
/** Copies a fixture folder into tmp, replacing one file's content. */
function withFile(fixture: string, file: string, content: string): string {
  const dir = mkdtempSync(join(tmp, `${fixture}-`));
  const src = join(FIXTURES, fixture);
  for (const name of ['movies.dat', 'u.item', 'u.genre', 'u.data', 'UserBehavior_head.csv', 'Beauty.txt', 'items.tsv']) {
    try {
      copyFileSync(join(src, name), join(dir, name));
    } catch {
      /* not part of this fixture */
    }
  }
  if (fixture === 'ml-1m') {
    mkdirSync(join(dir, 'recon'));
    for (const name of ['user_sequences_chrono.txt', 'ratings_all_partial_ts.tsv']) {
      copyFileSync(join(src, 'recon', name), join(dir, 'recon', name));
    }
  }
  writeFileSync(join(dir, file), content);
  return dir;
}

describe('ML-1M (recon + movies.dat)', () => {
  it('orders by chrono_rank, joins ratings/timestamps, maps ratings to outcomes, reads latin-1', async () => {
    const d = await loadDataset(join(FIXTURES, 'ml-1m'));
    expect(d.name).toBe('ml-1m');
    expect(d.userIds).toEqual(['1', '2', '3']);
    expect(d.outcomes).toEqual(['dislike', 'watch', 'love']);
    expect(rawItems(d, '1')).toEqual(['2', '1', '3']);
    expect(outcomeNames(d, '1')).toEqual(['watch', 'love', 'dislike']);
    expect(Array.from(d.sequences[0]!.times)).toEqual([978300700, 978300760, NaN]);
    // Same-second timestamps (978000000) keep the recon chrono order 1, 3.
    expect(rawItems(d, '3')).toEqual(['1', '3', '2']);
    // Catalog defaults to rated movies (movie 4 has no rating), in movies.dat order.
    expect(d.catalog.ids).toEqual(['1', '2', '3']);
    expect(d.catalog.titles![2]).toBe('Misérables, Les (1995)');
    expect(featuresOf(d, '3')).toEqual(['genre:Drama', 'genre:Musical', 'year:1995', 'decade:1990s', 'word:misérables']);
    expect(d.summary).toMatchObject({ users: 3, items: 3, events: 8, eventsWithTime: 7 });
    expect(d.summary.outcomeCounts).toEqual({ dislike: 2, watch: 2, love: 4 });
  });

  it('keeps unrated movies with catalog: all, and honours a custom rating rule', async () => {
    const d = await loadDataset(join(FIXTURES, 'ml-1m'), { catalog: 'all', ratingRule: parseRatingRule('like:4,meh:0') });
    expect(d.catalog.ids).toEqual(['1', '2', '3', '4']);
    expect(d.summary.itemsWithEvents).toBe(3);
    expect(d.outcomes).toEqual(['meh', 'like']);
    expect(outcomeNames(d, '1')).toEqual(['meh', 'like', 'meh']);
  });

  it('reports a chrono_rank disagreement and a short row with file and line', async () => {
    const ratings = readFileSync(join(FIXTURES, 'ml-1m/recon/ratings_all_partial_ts.tsv'), 'utf8').split('\n');
    const badRank = ratings.map((l, i) => (i === 2 ? l.replace('\tD\t0\t', '\tD\t5\t') : l)).join('\n');
    const dir = withFile('ml-1m', 'recon/ratings_all_partial_ts.tsv', badRank);
    await expect(loadDataset(dir)).rejects.toThrow(/^ratings_all_partial_ts\.tsv:3: chrono_rank 5 disagrees/);
    const short = ratings.map((l, i) => (i === 4 ? '2\t1\t4' : l)).join('\n');
    const dir2 = withFile('ml-1m', 'recon/ratings_all_partial_ts.tsv', short);
    const error = await loadDataset(dir2).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataFormatError);
    expect((error as DataFormatError).message).toBe('ratings_all_partial_ts.tsv:5: expected 8 fields, got 3');
  });
});

describe('ml-100k (u.data + u.item)', () => {
  it('orders by timestamp then file row, names genres from u.genre', async () => {
    const d = await loadDataset(join(FIXTURES, 'ml-100k'));
    expect(d.userIds).toEqual(['196', '186']);
    // 196: item 3 at ...000, then items 2 and 1 share ...949 and keep file order.
    expect(rawItems(d, '196')).toEqual(['3', '2', '1']);
    expect(outcomeNames(d, '196')).toEqual(['love', 'watch', 'love']);
    expect(rawItems(d, '186')).toEqual(['1', '3']);
    expect(featuresOf(d, '1')).toEqual(['genre:Animation', "genre:Children's", 'genre:Comedy', 'year:1995', 'decade:1990s', 'word:toy', 'word:story']);
    // latin-1 title, year from the release date, "unknown" genre dropped.
    expect(d.catalog.titles![2]).toBe('Café au lait');
    expect(d.catalog.years![2]).toBe(1994);
    expect(featuresOf(d, '3')).toEqual(['year:1994', 'decade:1990s', 'word:café', 'word:au', 'word:lait']);
  });

  it('rejects a non-numeric rating with file and line', async () => {
    const dir = withFile('ml-100k', 'u.data', '196\t2\t3\t881250949\n196\t1\tfive\t881250949\n');
    await expect(loadDataset(dir)).rejects.toThrow('u.data:2: rating "five" is not a number');
  });
});

describe('S3-Rec format (beauty, sports, yelp, lastfm)', () => {
  it('beauty: file order, repeats kept, brand vs category from items.tsv, text id as title', async () => {
    const d = await loadDataset(join(FIXTURES, 'beauty'));
    expect(d.outcomes).toEqual(['interact']);
    expect(d.hasTimestamps).toBe(false);
    expect(rawItems(d, '2')).toEqual(['2', '4', '1']);
    expect(rawItems(d, '3')).toEqual(['5', '3', '5']);
    expect(d.catalog.ids).toEqual(['1', '2', '3', '4', '5']);
    expect(featuresOf(d, '1').slice(0, 4)).toEqual(['brand:OPI', 'category:Makeup', 'category:Nails', 'category:Nail Polish']);
    expect(featuresOf(d, '2')).toEqual(['category:Makeup', 'category:Face', 'category:Foundation', 'word:liquid', 'word:foundation']);
    expect(featuresOf(d, '4')).toEqual(['category:Skin Care', 'category:Face']);
    expect(featuresOf(d, '5').slice(0, 3)).toEqual(['brand:Neutrogena', 'category:Skin Care', 'category:Face']);
    expect(d.catalog.titles).toEqual(['nail lacquer simmer and shimmer', 'liquid foundation', 'the falsies mascara', undefined, 'hydro boost gel']);
    expect(d.summary).toMatchObject({ users: 3, items: 5, events: 9, eventsWithTime: 0 });
  });

  it('sports: anonymous attributes, content for unknown items counted', async () => {
    const d = await loadDataset(join(FIXTURES, 'sports'));
    expect(featuresOf(d, '2')).toEqual(['attr:4', 'attr:2']);
    expect(d.summary.dropped).toEqual({ 'content for unknown item': 1 });
    expect(d.summary.events).toBe(7);
  });

  it('yelp: repeats kept, category names', async () => {
    const d = await loadDataset(join(FIXTURES, 'yelp'));
    expect(rawItems(d, '1')).toEqual(['1', '2', '1', '3']);
    expect(rawItems(d, '2')).toEqual(['2', '2']);
    expect(featuresOf(d, '3')).toEqual(['category:Bars', 'category:Nightlife']);
  });

  it('lastfm: attributes de-duplicated, items without attributes have none', async () => {
    const d = await loadDataset(join(FIXTURES, 'lastfm'));
    expect(featuresOf(d, '1')).toEqual(['attr:1', 'attr:2', 'attr:3']);
    expect(featuresOf(d, '4')).toEqual([]);
  });

  it('rejects a user line without items', async () => {
    const dir = withFile('beauty', 'Beauty.txt', '1 1 2\n2\n');
    await expect(loadDataset(dir)).rejects.toThrow('Beauty.txt:2: expected a user id followed by at least one item id');
  });
});

describe('Taobao UserBehavior', () => {
  it('orders by timestamp then row, drops exact duplicates, keeps real outcomes and categories', async () => {
    const d = await loadDataset(join(FIXTURES, 'taobao'));
    expect(d.outcomes).toEqual(['pv', 'cart', 'fav', 'buy']);
    expect(rawItems(d, '1')).toEqual(['2268318', '2576651', '2333346']);
    expect(outcomeNames(d, '1')).toEqual(['pv', 'cart', 'pv']);
    expect(rawItems(d, '2')).toEqual(['2268318', '2333346']);
    expect(outcomeNames(d, '2')).toEqual(['fav', 'buy']);
    expect(d.summary.dropped).toEqual({ 'duplicate row': 1 });
    expect(d.summary.outcomeCounts).toEqual({ pv: 2, cart: 1, fav: 1, buy: 1 });
    expect(featuresOf(d, '2576651')).toEqual(['category:149192']);
  });

  it('reads the gzipped file the shared dataset uses', async () => {
    const dir = mkdtempSync(join(tmp, 'taobao-gz-'));
    writeFileSync(join(dir, 'UserBehavior_head.csv.gz'), gzipSync(readFileSync(join(FIXTURES, 'taobao/UserBehavior_head.csv'))));
    const d = await loadDataset(dir);
    expect(d.summary.events).toBe(5);
    expect(d.summary.files[0]!.path.endsWith('UserBehavior_head.csv.gz')).toBe(true);
  });

  it('rejects an unknown behaviour type and a short row with file and line', async () => {
    const dir = withFile('taobao', 'UserBehavior_head.csv', '1,2,3,pv,1511544070\n1,2,3,click,1511544071\n');
    await expect(loadDataset(dir)).rejects.toThrow('UserBehavior_head.csv:2: behavior_type "click" is not one of pv/cart/fav/buy');
    const dir2 = withFile('taobao', 'UserBehavior_head.csv', '1,2,3,pv,1511544070\n1,2,3,pv\n');
    await expect(loadDataset(dir2)).rejects.toThrow('UserBehavior_head.csv:2: expected 5 fields, got 4');
  });
});

describe('generic CSV/TSV', () => {
  it('reads events + items + vectors: ISO and unix times, outcome names, unknown items and duplicates dropped', async () => {
    const d = await loadDataset(join(FIXTURES, 'generic'));
    expect(d.name).toBe('generic');
    expect(d.outcomes).toEqual(['click', 'save', 'buy']);
    expect(rawItems(d, 'alice')).toEqual(['i1', 'i2']);
    expect(Array.from(d.sequences[0]!.times)).toEqual([1700000000, 1700000400]);
    expect(rawItems(d, 'bob')).toEqual(['i3', 'i2']);
    expect(outcomeNames(d, 'bob')).toEqual(['buy', 'click']);
    expect(d.summary.dropped).toEqual({ 'unknown item': 1, 'duplicate row': 1 });
    expect(d.catalog.ids).toEqual(['i1', 'i2', 'i3', 'i4']);
    expect(d.catalog.titles![0]).toBe('Red Shoes, Size 9');
    expect(featuresOf(d, 'i1')).toEqual(['color:red', 'feature:shoes', 'year:2021']);
    expect(d.catalog.vectorDim).toBe(2);
    expect(Array.from(d.catalog.vectors!)).toEqual([1, 0, 0, 1, 0.5, 0.5, -1, 0]);
  });

  it('a single TSV file with ratings uses the rating rule; no timestamp keeps file order', async () => {
    const path = join(tmp, 'log.tsv');
    writeFileSync(path, 'user_id\titem_id\trating\nu\ta\t5\nu\tb\t2\nv\ta\t3\n');
    const d = await loadDataset(path);
    expect(d.name).toBe('log');
    expect(d.outcomes).toEqual(['dislike', 'watch', 'love']);
    expect(outcomeNames(d, 'u')).toEqual(['love', 'dislike']);
    expect(d.hasTimestamps).toBe(false);
  });

  it('rejects a missing header column, a bad timestamp and an incomplete vectors file', async () => {
    const noItem = join(tmp, 'noitem.csv');
    writeFileSync(noItem, 'user,thing\nu,a\n');
    await expect(loadDataset(noItem)).rejects.toThrow('noitem.csv:1: header must name `user` and `item` columns');
    const badTime = join(tmp, 'badtime.csv');
    writeFileSync(badTime, 'user,item,timestamp\nu,a,1\nu,b,yesterday\n');
    await expect(loadDataset(badTime)).rejects.toThrow('badtime.csv:3: timestamp "yesterday" is neither unix seconds/milliseconds nor an ISO-8601 date');
    const vectors = join(tmp, 'vectors.csv');
    writeFileSync(vectors, 'item,v1\ni1,1\n');
    await expect(
      loadDataset(join(FIXTURES, 'generic/events.csv'), { items: join(FIXTURES, 'generic/items.csv'), vectors }),
    ).rejects.toThrow('vectors.csv: no vector for 3 catalog item(s), first: i2');
  });
});

describe('registry', () => {
  it('a missing data directory names the path and the override', async () => {
    const error = await loadDataset('ml-1m', { dataDir: join(tmp, 'nowhere') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as Error).message).toContain(join(tmp, 'nowhere', 'movielens-1m'));
    expect((error as Error).message).toContain('POCKETREC_DATA_DIR');
  });

  it('an unknown name that is not a path is an error listing the names', async () => {
    await expect(loadDataset('no-such-set')).rejects.toThrow(/neither a known dataset \(ml-1m, ml-latest-small/);
  });
});
