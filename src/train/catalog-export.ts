/**
 * catalog.json from a Dataset: what `pocketrec train --catalog` and the browser's training worker
 * (src/pipeline) export beside a model, so the engine shows raw ids, titles, years and genres.
 */
import type { Dataset } from '../data/types.ts';
import { encodeCatalog } from '../model/catalog-file.ts';

/**
 * catalog.json for the demo, column-wise to stay small: raw ids, titles, years (null if unknown),
 * genres as indices into `genreNames`, and popularity (events with the item in the dataset; the demo's
 * cold-start order), all indexed by dense item index.
 */
export function catalogJson(dataset: Dataset): Uint8Array {
  const c = dataset.catalog;
  const genreNames: string[] = [];
  const genreIndex = new Map<string, number>();
  const genres = c.ids.map((_, i) =>
    (c.features[i] ?? [])
      .filter((f) => f.startsWith('genre:'))
      .map((f) => {
        const g = f.slice(6);
        let k = genreIndex.get(g);
        if (k === undefined) {
          genreIndex.set(g, (k = genreNames.length));
          genreNames.push(g);
        }
        return k;
      }),
  );
  return encodeCatalog({
    dataset: dataset.name,
    outcomes: dataset.outcomes,
    ids: c.ids,
    titles: c.ids.map((id, i) => c.titles?.[i] ?? id),
    years: c.ids.map((_, i) => (c.years && Number.isFinite(c.years[i]) ? c.years[i]! : null)),
    genreNames,
    genres,
    popularity: itemPopularity(dataset),
  });
}

/** Events per item over every user's sequence. */
function itemPopularity(dataset: Dataset): number[] {
  const counts = new Array<number>(dataset.catalog.ids.length).fill(0);
  for (const sequence of dataset.sequences) for (const item of sequence.items) counts[item]!++;
  return counts;
}
