import { describe, expect, it } from 'vitest';
import { catalogJson } from '../../../src/cli/commands/train.ts';
import type { Dataset } from '../../../src/data/types.ts';

function sequence(user: number, items: number[]) {
  return {
    user,
    items: Int32Array.from(items),
    outcomes: new Uint8Array(items.length),
    times: new Float64Array(items.length).fill(NaN),
  };
}

describe('catalogJson (the demo catalog export)', () => {
  it('writes ids, titles, years, genres by index and per-item popularity', () => {
    const dataset: Dataset = {
      name: 'toy',
      userIds: ['u1', 'u2'],
      outcomes: ['dislike', 'watch', 'love'],
      catalog: {
        ids: ['10', '20', '30'],
        titles: ['A (1999)', undefined, 'C (2001)'],
        years: Float64Array.from([1999, NaN, 2001]),
        features: [['genre:Comedy', 'word:a'], [], ['genre:Drama', 'genre:Comedy']],
      },
      sequences: [sequence(0, [0, 2, 2]), sequence(1, [2])],
      hasTimestamps: false,
      summary: { users: 2, items: 3, events: 4, outcomeCounts: {}, dropped: {}, eventsWithTime: 0, files: [] },
    };
    const json = JSON.parse(new TextDecoder().decode(catalogJson(dataset)));
    expect(json).toEqual({
      dataset: 'toy',
      outcomes: ['dislike', 'watch', 'love'],
      ids: ['10', '20', '30'],
      titles: ['A (1999)', '20', 'C (2001)'],
      years: [1999, null, 2001],
      genreNames: ['Comedy', 'Drama'],
      genres: [[0], [], [1, 0]],
      popularity: [1, 0, 3],
    });
  });
});
