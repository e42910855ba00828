import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/errors/errors.ts';
import { decodeCatalog, encodeCatalog, type CatalogFile } from '../../../src/model/catalog-file.ts';

const full: CatalogFile = {
  dataset: 'toy',
  outcomes: ['dislike', 'watch', 'love'],
  ids: ['10', '20', '30'],
  titles: ['A (1999)', '20', null],
  years: [1999, null, 2001],
  genreNames: ['Comedy', 'Drama'],
  genres: [[0], [], [1, 0]],
  popularity: [1, 0, 3],
};

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('catalog file', () => {
  it('round-trips every field, and a catalog with ids only', () => {
    expect(decodeCatalog(encodeCatalog(full), 3)).toEqual(full);
    expect(decodeCatalog(encodeCatalog({ ids: ['a'] }), 1)).toEqual({ ids: ['a'] });
  });

  it('writes the documented key order (dataset, outcomes, ids, titles, years, genreNames, genres, popularity)', () => {
    const text = new TextDecoder().decode(encodeCatalog({ popularity: [2], ids: ['x'], dataset: 'd' }));
    expect(text).toBe('{"dataset":"d","ids":["x"],"popularity":[2]}');
  });

  it('refuses what the exporter never writes, with ModelFormatError', () => {
    const cases: [unknown, RegExp][] = [
      [['1', '2'], /not a JSON object/],
      [{ items: [{ id: '1' }, { id: '2' }] }, /no `ids` column/],
      [{ ids: [1, 2] }, /no `ids` column/],
      [{ ids: ['1'] }, /lists 1 items but the manifest says itemCount 2/],
      [{ ids: ['1', '1'] }, /lists an item id twice/],
      [{ ids: ['1', '2'], titles: ['a'] }, /`titles` column/],
      [{ ids: ['1', '2'], popularity: [1, -1] }, /`popularity` column/],
      [{ ids: ['1', '2'], genreNames: ['g'], genres: [[0], [1]] }, /`genres` column/],
      [{ ids: ['1', '2'], years: ['1999', null] }, /`years` column/],
    ];
    for (const [value, message] of cases) {
      const decode = () => decodeCatalog(json(value), 2);
      expect(decode).toThrow(ModelFormatError);
      expect(decode).toThrow(message);
    }
    expect(() => decodeCatalog(new TextEncoder().encode('{"ids": ['), 2)).toThrow(/not valid JSON/);
  });

  it('refuses to write a catalog the reader would refuse', () => {
    expect(() => encodeCatalog({ ids: ['a', 'b'], titles: ['A'] })).toThrow(/`titles` column/);
  });
});
