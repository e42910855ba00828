/**
 * `--model` values -> EvalRecommender factories, so `pocketrec eval` can evaluate anything through one harness.
 *
 * Two tables: exact names (baselines) and prefixes / path patterns for model artifacts. To plug in a model,
 * add ONE line to the right table; the factory gets the spec string and the parsed `--params`.
 */
import { CoocRecommender, parseCoocParams } from './baselines/cooc.ts';
import { PopularRecommender } from './baselines/popular.ts';
import type { EvalRecommender, FitContext } from './evaluate.ts';

/** What a factory receives. */
export interface RecommenderSpec {
  /** The full `--model` value, e.g. `cooc`, `decoder:runs/x`, `artifacts/ml-1m/manifest.json`. */
  model: string;
  /** The raw `--params key=value,...` string, if given (each factory parses its own keys). */
  params?: string;
  /** Trained decoders: `embedding` (default), or the generative modes `sid` / `sid+rerank` (`--mode`). */
  mode?: 'embedding' | 'sid' | 'sid+rerank';
  /** Beam width per query of the generative modes (`--beam`). */
  beam?: number;
}

export type RecommenderFactory = (spec: RecommenderSpec) => Promise<EvalRecommender> | EvalRecommender;

/** Exact `--model` names. */
export const NAMED_RECOMMENDERS: Record<string, RecommenderFactory> = {
  popular: () => new PopularRecommender(),
  cooc: (spec) => new CoocRecommender(parseCoocParams(spec.params)),
};

/**
 * Pattern-matched `--model` values, tried in order after the exact names. Add trained-model loaders here, e.g.
 *   { test: (m) => m.endsWith('manifest.json') || m.startsWith('decoder:'),
 *     create: async (spec) => (await import('../model/...')).loadDecoderRecommender(spec) },
 * (import lazily so `pocketrec eval --model popular` never loads TF.js).
 */
export const PATTERN_RECOMMENDERS: { test: (model: string) => boolean; create: RecommenderFactory; describe: string }[] = [
  {
    test: (m) => m.endsWith('manifest.json') || m.startsWith('decoder:'),
    create: (spec) => loadDecoderRecommender(spec),
    describe: '<dir>/manifest.json or decoder:<dir> (trained decoder)',
  },
];

/** Builds the recommender a `--model` value names; throws listing the accepted values otherwise. */
export async function createEvalRecommender(spec: RecommenderSpec): Promise<EvalRecommender> {
  const named = NAMED_RECOMMENDERS[spec.model];
  if (named) return named(spec);
  const pattern = PATTERN_RECOMMENDERS.find((p) => p.test(spec.model));
  if (pattern) return pattern.create(spec);
  const accepted = [...Object.keys(NAMED_RECOMMENDERS), ...PATTERN_RECOMMENDERS.map((p) => p.describe)];
  throw new Error(`unknown --model "${spec.model}"; accepted: ${accepted.join(', ')}`);
}

/**
 * `--model path/to/manifest.json` (or its folder, or `decoder:<dir>`) -> the decoder as an EvalRecommender.
 * Imports the loader lazily so `pocketrec eval --model popular` never loads TF.js.
 */
export async function loadDecoderRecommender(spec: RecommenderSpec): Promise<EvalRecommender> {
  const [{ loadDecoderFromDisk }, { DecoderRecommender }, { SidEvalRecommender }] = await Promise.all([
    import('../train/load-model.ts'),
    import('./decoder-recommender.ts'),
    import('./sid-recommender.ts'),
  ]);
  const path = spec.model.startsWith('decoder:') ? spec.model.slice('decoder:'.length) : spec.model;
  const loaded = await loadDecoderFromDisk(path);
  const mode = spec.mode ?? 'embedding';
  if (mode !== 'embedding' && !loaded.sid) {
    loaded.dispose();
    throw new Error(`--mode ${mode} needs a model with a SID head (train with --item-rep id+sid --sid-head); ${path} has none`);
  }
  const rec =
    mode === 'embedding'
      ? new DecoderRecommender(
          `decoder(${loaded.manifest.modelVersion})`,
          loaded.decoder,
          loaded.itemEmbeddings,
          loaded.section.outcomePrior,
        )
      : new SidEvalRecommender(
          `decoder(${loaded.manifest.modelVersion}) ${mode} beam ${spec.beam ?? DEFAULT_EVAL_BEAM}`,
          loaded.decoder,
          loaded.itemEmbeddings,
          loaded.sid!,
          loaded.section.outcomePrior,
          mode,
          spec.beam ?? DEFAULT_EVAL_BEAM,
        );
  const trainedOn = loaded.manifest.dataset;
  return Object.assign(rec, {
    dispose: () => loaded.dispose(),
    // Nothing to learn; checks first that the model belongs to the dataset (names and item counts).
    fit: (context: FitContext) => {
      const items = context.dataset.catalog.ids.length;
      if (trainedOn.name !== context.dataset.name || loaded.manifest.itemCount !== items)
        throw new DatasetMismatchError(
          `model ${path} was trained on dataset "${trainedOn.name}" with ${loaded.manifest.itemCount} items, but ` +
            `--dataset "${context.dataset.name}" has ${items} items; evaluate it on the dataset it was trained on ` +
            '(--name sets the name of a dataset given by path)',
        );
    },
  });
}

/** Default `--beam` of `pocketrec eval --mode sid|sid+rerank`. */
export const DEFAULT_EVAL_BEAM = 50;

/** A trained model evaluated on a dataset it was not trained on (`pocketrec eval` exits 2 with the message). */
export class DatasetMismatchError extends Error {
  override name = 'DatasetMismatchError';
}
