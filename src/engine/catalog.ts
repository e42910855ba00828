/**
 * Item content (titles, years, genres, popularity) from a model's `catalog` file, for
 * `Engine.catalog()`. The file is read by `decodeCatalog` (src/model/catalog-file.ts), the one reader
 * of the format the exporter writes.
 */
import { decodeCatalog } from '../model/catalog-file.ts';

/** Content of one catalog row, as `catalog()` reports it. */
export interface CatalogContent {
  title?: string;
  year?: number;
  genres?: string[];
  popularity?: number;
}

/**
 * Per-item content from the `catalog` file (genre indices resolved to names); undefined when the
 * model has no catalog file. Throws `ModelFormatError` for a file that is not a valid catalog.
 */
export function catalogContent(buffer: ArrayBuffer | undefined, itemCount: number): CatalogContent[] | undefined {
  if (!buffer) return undefined;
  const { ids, titles, years, genreNames, genres, popularity } = decodeCatalog(buffer, itemCount);
  return ids.map((_, i) => ({
    title: titles?.[i] ?? undefined,
    year: years?.[i] ?? undefined,
    genres: genres?.[i]?.map((k) => genreNames?.[k] ?? String(k)),
    popularity: popularity?.[i],
  }));
}
