import { describe, expect, it } from 'vitest';
import { catalogContent } from '../../../src/engine/catalog.ts';
import { ModelFormatError } from '../../../src/errors/errors.ts';

const bytes = (value: unknown): ArrayBuffer => new TextEncoder().encode(JSON.stringify(value)).buffer as ArrayBuffer;

describe('catalogContent', () => {
  it('reads the column-wise catalog the exporter writes, genres by index', () => {
    const file = bytes({
      ids: ['1', '2', '3'],
      titles: ['Toy Story (1995)', 'Heat (1995)', null],
      years: [1995, 1995, null],
      genreNames: ['Animation', 'Crime', 'Drama'],
      genres: [[0], [1, 2], []],
      popularity: [215, 102, 0],
    });
    expect(catalogContent(file, 3)).toEqual([
      { title: 'Toy Story (1995)', year: 1995, genres: ['Animation'], popularity: 215 },
      { title: 'Heat (1995)', year: 1995, genres: ['Crime', 'Drama'], popularity: 102 },
      { title: undefined, year: undefined, genres: [], popularity: 0 },
    ]);
  });

  it('leaves absent columns undefined (a catalog with ids and titles only)', () => {
    const file = bytes({ ids: ['a', 'b'], titles: ['A', null] });
    expect(catalogContent(file, 2)).toEqual([
      { title: 'A', year: undefined, genres: undefined, popularity: undefined },
      { title: undefined, year: undefined, genres: undefined, popularity: undefined },
    ]);
  });

  it('returns undefined without a file and refuses shapes the exporter never writes', () => {
    expect(catalogContent(undefined, 3)).toBeUndefined();
    expect(() => catalogContent(bytes(['1', '2']), 2)).toThrow(ModelFormatError);
    expect(() => catalogContent(bytes({ items: [{ id: 'a' }, { id: 'b' }] }), 2)).toThrow(/no `ids` column/);
  });
});
