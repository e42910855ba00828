/**
 * Warm start (`pocketrec train --init-from <model>`): copies the weights of an exported model into a
 * new trainer's variables, so a shipped model can be trained further with another recipe (e.g. a
 * decaying learning rate) without its checkpoint. Node-only (reads the model's files).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderConfig } from '../model/decoder.ts';
import { unpackTensors } from '../model/weights-io.ts';
import { readArtifacts } from './load-model.ts';

/** The model given to --init-from does not fit the run (another config, catalog or SID table). */
export class WarmStartError extends Error {
  override name = 'WarmStartError';
}

/** The parts of the decoder config that must match for the weights to mean the same thing. */
const SHAPE_KEYS = [
  'dim',
  'blocks',
  'heads',
  'ffnDim',
  'maxLen',
  'headDim',
  'itemCount',
  'outcomeCount',
  'useIdEmbedding',
  'usePrefixMem',
  'outcomeConditioning',
  'timeFeatures',
  'inputOutcomes',
] as const;

/**
 * Assigns the model's tensors to `variables` (by artifact name). Throws WarmStartError, changing nothing,
 * when the model's decoder shape differs from `config`, a variable has no tensor or another shape, or
 * (`sidBytes` given) the model's sids.bin differs from the SID table built for this run.
 * Returns the model's version.
 */
export async function warmStart(
  path: string,
  config: DecoderConfig,
  variables: Map<string, tf.Variable>,
  sidBytes?: Uint8Array,
  /** Variables the model may lack (e.g. a SID head added by this run): they keep their initial values. */
  optional: (name: string) => boolean = () => false,
): Promise<string> {
  const { manifest, files } = await readArtifacts(path);
  const decoder = (manifest.model as { decoder?: Partial<DecoderConfig> }).decoder ?? {};
  for (const key of SHAPE_KEYS)
    if (JSON.stringify(decoder[key]) !== JSON.stringify(config[key]))
      throw new WarmStartError(
        `--init-from ${path}: its ${key} is ${JSON.stringify(decoder[key])}, this run's ${JSON.stringify(config[key])}; give the same model options`,
      );
  if (JSON.stringify(decoder.horizons) !== JSON.stringify(config.horizons))
    throw new WarmStartError(`--init-from ${path}: its horizons differ from this run's (--multi-token must match)`);
  if (sidBytes) {
    const theirs = files.get('sid-codes');
    const same = theirs !== undefined && sameBytes(new Uint8Array(theirs), sidBytes);
    if (!same)
      throw new WarmStartError(
        `--init-from ${path}: its semantic IDs (sids.bin) differ from those built for this run, so its PrefixMem weights would not fit`,
      );
  }
  const tensors = unpackTensors(manifest.tensors, files.get('weights')!);
  try {
    for (const [name, v] of variables) {
      const t = tensors.get(name);
      if (!t && optional(name)) continue;
      if (!t) throw new WarmStartError(`--init-from ${path}: the model has no tensor ${name}`);
      if (t.shape.join(',') !== v.shape.join(','))
        throw new WarmStartError(`--init-from ${path}: ${name} has shape [${t.shape}], this run's [${v.shape}]`);
    }
    for (const [name, v] of variables) {
      const t = tensors.get(name);
      if (t) v.assign(t);
    }
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  return manifest.modelVersion;
}

/** Whether two byte arrays hold the same bytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
