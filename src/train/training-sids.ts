/**
 * The semantic IDs a training run with PrefixMem item representations needs, built once for the CLI
 * (`pocketrec train`) and the in-browser pipeline alike: the SID table and trie (exported as sids.bin),
 * their shape (written into the manifest) and the PrefixMem item encoder the decoder trains with.
 */
import type { Dataset } from '../data/types.ts';
import { PrefixMem, prefixMemConfigFor } from '../model/prefixmem.ts';
import { PrefixMemItemEncoder } from '../model/prefixmem-items.ts';
import { buildSemanticIds, sidConfigFor } from '../sid/build.ts';
import { serializeSidArtifacts } from '../sid/sid-table.ts';

/** What {@link buildTrainingSids} returns. */
export interface TrainingSids {
  /** PrefixMem over the new SID table, width `dim`, initialised from `seed`. */
  encoder: PrefixMemItemEncoder;
  /** The serialized SID table + trie (the artifact's sids.bin). */
  bytes: Uint8Array;
  /** The table's shape, for the manifest. */
  info: { levels: number; codebookSize: number; sidLength: number; disambiguationSize: number };
}

/** Builds the dataset's semantic IDs (its default SID config, `seed`) and the PrefixMem encoder of width `dim`. */
export function buildTrainingSids(dataset: Dataset, dim: number, seed: number): TrainingSids {
  const build = buildSemanticIds(dataset, sidConfigFor(dataset.name, { seed }));
  const t = build.table;
  return {
    encoder: new PrefixMemItemEncoder(new PrefixMem(prefixMemConfigFor(t, { dim }), seed), t),
    bytes: new Uint8Array(serializeSidArtifacts({ table: t, trie: build.trie })),
    info: { levels: t.levels, codebookSize: t.codebookSize, sidLength: t.sidLength, disambiguationSize: t.disambiguationSize },
  };
}
