/**
 * Reading item content (titles, years, genres, popularity) from a model's `catalog` file, for
 * `Engine.catalog()`. Ids and titles for the engine itself are parsed by src/store/loader.ts.
 */

/** Content of one catalog row, as `catalog()` reports it. */
export interface CatalogContent {
  title?: string;
  year?: number;
  genres?: string[];
  popularity?: number;
}

/**
 * Per-item content from the `catalog` file, in either shape the exporter writes (docs/artifacts.md):
 * column-wise `{ ids, titles?, years?, genreNames?, genres?: number[][], popularity? }` or row-wise
 * `{ items: [{ id, title?, year?, genres?, popularity? }] }`. Undefined when the file has neither.
 */
export function catalogContent(buffer: ArrayBuffer | undefined, itemCount: number): CatalogContent[] | undefined {
  if (!buffer) return undefined;
  const json = JSON.parse(new TextDecoder().decode(buffer)) as Record<string, unknown>;
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  if (Array.isArray(json.items)) {
    return (json.items as Record<string, unknown>[]).map((row) => ({
      title: str(row.title),
      year: num(row.year),
      genres: Array.isArray(row.genres) ? row.genres.map(String) : undefined,
      popularity: num(row.popularity),
    }));
  }
  if (!Array.isArray(json.ids)) return undefined;
  const column = (name: string): unknown[] | undefined => (Array.isArray(json[name]) ? (json[name] as unknown[]) : undefined);
  const titles = column('titles');
  const years = column('years');
  const popularity = column('popularity');
  const genreNames = column('genreNames')?.map(String);
  const genres = column('genres');
  return Array.from({ length: itemCount }, (_, i) => {
    const g = genres?.[i];
    return {
      title: str(titles?.[i]),
      year: num(years?.[i]),
      genres: Array.isArray(g)
        ? g.map((k) => (genreNames && typeof k === 'number' ? (genreNames[k] ?? String(k)) : String(k)))
        : undefined,
      popularity: num(popularity?.[i]),
    };
  });
}
