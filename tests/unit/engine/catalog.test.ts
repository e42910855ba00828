import { describe, expect, it } from 'vitest';
import { catalogContent } from '../../../src/engine/catalog.ts';

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

  it('reads the row-wise shape and tolerates missing fields', () => {
    const file = bytes({ items: [{ id: 'a', title: 'A', year: 2001, genres: ['x'] }, { id: 'b' }] });
    expect(catalogContent(file, 2)).toEqual([
      { title: 'A', year: 2001, genres: ['x'], popularity: undefined },
      { title: undefined, year: undefined, genres: undefined, popularity: undefined },
    ]);
  });

  it('returns undefined without a file or with ids only as a bare array', () => {
    expect(catalogContent(undefined, 3)).toBeUndefined();
    expect(catalogContent(bytes(['1', '2']), 2)).toBeUndefined();
  });
});
