/** The shipped ml-latest-small (data/movielens-latest-small): the demo catalog and the one real dataset in tests. */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/data/registry.ts';
import { leaveOneOutSplit } from '../../../src/data/splits.ts';

describe('ml-latest-small from data/', async () => {
  const d = await loadDataset('ml-latest-small');

  it('matches the GroupLens counts; the catalog holds every movie in movies.csv', () => {
    expect(d.summary.users).toBe(610);
    expect(d.summary.items).toBe(9742);
    expect(d.summary.itemsWithEvents).toBe(9724);
    expect(d.summary.events).toBe(100836);
    expect(d.summary.eventsWithTime).toBe(100836);
    expect(d.summary.dropped).toEqual({});
    const counts = d.summary.outcomeCounts;
    expect(counts.dislike! + counts.watch! + counts.love!).toBe(100836);
    expect(d.summary.files.map((f) => f.rows)).toEqual([9742, 3683, 100836]);
  });

  it('parses quoted CSV titles, genres, years and tags', () => {
    const i = d.catalog.ids.indexOf('11');
    expect(d.catalog.titles![i]).toBe('American President, The (1995)');
    expect(d.catalog.years![i]).toBe(1995);
    expect(d.catalog.features[i]).toEqual(expect.arrayContaining(['genre:Comedy', 'genre:Drama', 'genre:Romance', 'decade:1990s', 'word:american', 'word:president']));
    const jumanji = d.catalog.features[d.catalog.ids.indexOf('2')]!;
    expect(jumanji).toContain('tag:robin williams');
  });

  it('orders each user by timestamp and supports leave-one-out on every user', () => {
    let outOfOrder = 0;
    for (const seq of d.sequences) for (let k = 1; k < seq.times.length; k++) if (seq.times[k]! < seq.times[k - 1]!) outOfOrder++;
    expect(outOfOrder).toBe(0);
    const split = leaveOneOutSplit(d.sequences);
    expect(split.test.length).toBe(610);
    expect(split.train.reduce((n, s) => n + s.items.length, 0)).toBe(100836 - 2 * 610);
  });
});
