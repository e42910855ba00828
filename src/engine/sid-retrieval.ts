/**
 * A model's SID artifacts (table and trie) for the engine: the catalog's codes (`catalogItems`). The
 * generative modes themselves run the model's SID head (src/model/sid-decoding.ts, through
 * sid-recommend.ts).
 */
import { deserializeSidArtifacts, type SidArtifacts } from '../sid/sid-table.ts';
import type { ArtifactRole } from '../model/manifest.ts';
import { ModelFormatError } from '../errors/errors.ts';

/** Reads the SID artifacts (table and trie, one blob) from a model's `sid-codes` file, if it has one. */
export function readSidArtifacts(files: Map<ArtifactRole, ArrayBuffer>, itemCount: number): SidArtifacts | undefined {
  const buffer = files.get('sid-codes');
  if (!buffer) return undefined;
  let artifacts: SidArtifacts;
  try {
    artifacts = deserializeSidArtifacts(buffer);
  } catch (error) {
    throw new ModelFormatError(
      `The model's SID file cannot be read (${error instanceof Error ? error.message : String(error)}); re-export the model.`,
      { role: 'sid-codes' },
      { cause: error },
    );
  }
  if (artifacts.table.items !== itemCount) {
    throw new ModelFormatError(
      `The SID table covers ${artifacts.table.items} items but the model has ${itemCount}; re-export the model.`,
      { role: 'sid-codes' },
    );
  }
  return artifacts;
}
