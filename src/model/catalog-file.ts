/**
 * The `catalog` file of a model (docs/artifacts.md, "catalog.json"): item ids and display content,
 * column-wise and indexed by dense item index. One type, one writer (`encodeCatalog`, used by the
 * exporter) and one reader (`decodeCatalog`, used by the browser loader and `Engine.catalog()`); the
 * reader accepts exactly what the writer writes and rejects anything else with `ModelFormatError`.
 */
import { ModelFormatError } from '../errors/errors.ts';

/** Contents of `catalog.json`. Every column present has one entry per item. */
export interface CatalogFile {
  /** Dataset the catalog came from (informational). */
  dataset?: string;
  /** Outcome vocabulary of the dataset (informational). */
  outcomes?: string[];
  /** Raw item ids (what the API's `itemId` is), unique; `ids.length` is the model's itemCount. */
  ids: string[];
  /** Display titles (`null` where unknown). */
  titles?: (string | null)[];
  /** Release years (`null` where unknown). */
  years?: (number | null)[];
  /** Genre vocabulary that `genres` indexes into. */
  genreNames?: string[];
  /** Per item, indices into `genreNames`. */
  genres?: number[][];
  /** Per item, events with the item in the training data (the demo's cold-start order). */
  popularity?: number[];
}

/** Serialises a catalog as compact JSON (UTF-8). Checks it first, like `decodeCatalog` would. */
export function encodeCatalog(catalog: CatalogFile): Uint8Array {
  checkCatalog(catalog, catalog.ids.length, (why) => new Error(`encodeCatalog: ${why}`));
  const { dataset, outcomes, ids, titles, years, genreNames, genres, popularity } = catalog;
  // Fixed key order; absent columns are left out.
  const ordered = { dataset, outcomes, ids, titles, years, genreNames, genres, popularity };
  return new TextEncoder().encode(JSON.stringify(ordered));
}

/**
 * Reads a `catalog` file and checks it against the manifest's `itemCount`. Throws `ModelFormatError`
 * (`details.role: 'catalog'`) for invalid JSON, another shape, a column of the wrong length or type,
 * duplicate ids or genre indices outside `genreNames`.
 */
export function decodeCatalog(bytes: ArrayBuffer | Uint8Array, itemCount: number): CatalogFile {
  const fail = (why: string, details: Record<string, number> = {}) =>
    new ModelFormatError(`The model's catalog file ${why}; re-export the model.`, { role: 'catalog', ...details });
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new ModelFormatError(
      "The model's catalog file is not valid JSON; re-export the model.",
      { role: 'catalog' },
      { cause: error },
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw fail('is not a JSON object with an `ids` column');
  const catalog = json as CatalogFile;
  checkCatalog(catalog, itemCount, fail);
  return catalog;
}

function checkCatalog(
  catalog: CatalogFile,
  itemCount: number,
  fail: (why: string, details?: Record<string, number>) => Error,
): void {
  const { ids } = catalog;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw fail('has no `ids` column of strings');
  if (ids.length !== itemCount)
    throw fail(`lists ${ids.length} items but the manifest says itemCount ${itemCount}`, { catalogItems: ids.length, itemCount });
  if (new Set(ids).size !== ids.length) throw fail('lists an item id twice');
  const column = <T>(name: keyof CatalogFile, ok: (v: unknown) => v is T): void => {
    const value = catalog[name];
    if (value === undefined) return;
    if (!Array.isArray(value) || value.length !== itemCount || !value.every(ok))
      throw fail(`has a \`${name}\` column that is not ${itemCount} entries of the right type`);
  };
  const isString = (v: unknown): v is string => typeof v === 'string';
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  column('titles', (v): v is string | null => v === null || isString(v));
  column('years', (v): v is number | null => v === null || isNumber(v));
  column('popularity', (v): v is number => isNumber(v) && v >= 0);
  const { genreNames, genres } = catalog;
  if (genreNames !== undefined && (!Array.isArray(genreNames) || !genreNames.every(isString)))
    throw fail('has a `genreNames` field that is not a list of strings');
  if (genres !== undefined) {
    const names = genreNames?.length ?? 0;
    column('genres', (v): v is number[] => Array.isArray(v) && v.every((k) => Number.isInteger(k) && k >= 0 && k < names));
  }
  if (catalog.dataset !== undefined && !isString(catalog.dataset)) throw fail('has a `dataset` field that is not a string');
  if (catalog.outcomes !== undefined && (!Array.isArray(catalog.outcomes) || !catalog.outcomes.every(isString)))
    throw fail('has an `outcomes` field that is not a list of strings');
}
