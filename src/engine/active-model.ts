/**
 * Model lifecycle: a model the engine runs, with everything derived from it (runtime, id index, SID
 * tables). Built from verified artifacts by `loadActiveModel` (storage or network through
 * src/store/loader.ts), warmed up before it serves, listed as a catalog, released on switch/dispose.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ModelFormatError, PocketrecError, UnknownItemError } from '../errors/errors.ts';
import type { SidArtifacts } from '../sid/sid-table.ts';
import type { FetchLike } from '../store/download.ts';
import { loadModel, type LoadedModel } from '../store/loader.ts';
import type { ModelStore } from '../store/model-store.ts';
import { catalogContent } from './catalog.ts';
import type { CatalogItem, LoadProgress } from './protocol.ts';
import { planQueries, retrieveTopK } from './retrieval.ts';
import type { RecommenderRuntime, RuntimeEvent, RuntimeFactory } from './runtime-port.ts';
import { readSidArtifacts } from './sid-retrieval.ts';

/** A loaded model with everything derived from it. */
export interface ActiveModel {
  loaded: LoadedModel;
  runtime: RecommenderRuntime;
  itemIndex: Map<string, number>;
  sid?: SidArtifacts;
}

const MAX_LISTED_IDS = 20;

/** Options of `loadActiveModel`. */
export interface LoadActiveModelOptions {
  manifestUrl: string;
  store: ModelStore;
  fetch: FetchLike;
  createRuntime: RuntimeFactory;
  onProgress?: (progress: LoadProgress) => void;
  signal?: AbortSignal;
  /** Origins besides the manifest's that model files may come from (`'*'`: any). */
  fileOrigins?: readonly string[];
}

/**
 * Loads the namespace's model (stored copy when current, else download -> verify -> stage ->
 * build -> activate) and builds the runtime; a model whose runtime cannot be built never becomes
 * active. Not warmed up yet (see `warmUp`).
 */
export async function loadActiveModel(options: LoadActiveModelOptions): Promise<ActiveModel> {
  const { prepared } = await loadModel({
    manifestUrl: options.manifestUrl,
    store: options.store,
    fetch: options.fetch,
    onProgress: options.onProgress,
    signal: options.signal,
    fileOrigins: options.fileOrigins,
    prepare: (loaded: LoadedModel) => buildModel(options.createRuntime, loaded),
    release: releaseModel,
  });
  return prepared;
}

/** Builds the runtime and the derived tables; rejects with `ModelFormatError` when the files do not fit together. */
export async function buildModel(createRuntime: RuntimeFactory, loaded: LoadedModel): Promise<ActiveModel> {
  let runtime: RecommenderRuntime;
  try {
    runtime = await createRuntime(loaded.manifest, loaded.files);
  } catch (error) {
    if (error instanceof PocketrecError) throw error;
    throw new ModelFormatError(
      `Model ${loaded.manifest.modelVersion} could not be built from its files (${error instanceof Error ? error.message : String(error)}). Re-export it with a pocketrec version that matches this runtime.`,
      { modelVersion: loaded.manifest.modelVersion },
      { cause: error },
    );
  }
  if (loaded.catalog.itemIds.length !== runtime.itemCount) {
    runtime.dispose();
    throw new ModelFormatError(
      `The catalog lists ${loaded.catalog.itemIds.length} items but the model has ${runtime.itemCount}; re-export the model.`,
    );
  }
  const itemIndex = new Map<string, number>();
  loaded.catalog.itemIds.forEach((id, i) => itemIndex.set(id, i));
  let sid: SidArtifacts | undefined;
  try {
    sid = readSidArtifacts(loaded.files, runtime.itemCount);
  } catch (error) {
    runtime.dispose();
    throw error;
  }
  return { loaded, runtime, itemIndex, sid };
}

/** Frees the model's tensors. */
export function releaseModel(model: ActiveModel): void {
  model.runtime.dispose();
}

/** `UnknownItemError` for raw ids the model's catalog lacks (at most 20 listed). */
export function unknownItemsError(model: ActiveModel, ids: string[], consequence: string): UnknownItemError {
  const distinct = Array.from(new Set(ids));
  return new UnknownItemError(
    `${distinct.length} item id(s) are not in model ${model.loaded.manifest.modelVersion}'s catalog: ${distinct.slice(0, MAX_LISTED_IDS).join(', ')}${distinct.length > MAX_LISTED_IDS ? ', …' : ''}. ${consequence}. Use the catalog's raw ids; items added after the model was trained need a new model export.`,
    { itemIds: distinct.slice(0, MAX_LISTED_IDS), unknownCount: distinct.length },
  );
}

/** The model's catalog with content (titles, years, genres, popularity) and SID codes where shipped. */
export function catalogItems(model: ActiveModel): CatalogItem[] {
  const content = catalogContent(model.loaded.files.get('catalog'), model.runtime.itemCount);
  const sid = model.sid?.table;
  return model.loaded.catalog.itemIds.map((itemId, index) => {
    const row = content?.[index];
    const item: CatalogItem = { itemId, index };
    const title = row?.title ?? model.loaded.catalog.titles?.[index] ?? undefined;
    if (title !== undefined) item.title = title;
    if (row?.year !== undefined) item.year = row.year;
    if (row?.genres) item.genres = row.genres;
    if (row?.popularity !== undefined) item.popularity = row.popularity;
    if (sid) item.sid = Array.from(sid.codes.subarray(index * sid.sidLength, (index + 1) * sid.sidLength));
    return item;
  });
}

/**
 * Compiles the shaders recommend uses before `ready` (TF.js keeps no shader cache across page
 * loads): prefill, append, the head for the default request's queries, and the fused score + top-k
 * with an exclusion mask at the default k. Other k / query counts compile on first use. Touches no
 * user session, so it can run while another model serves.
 */
export async function warmUp(model: ActiveModel): Promise<void> {
  const runtime = model.runtime;
  const probe: RuntimeEvent[] = [
    { item: 0, outcome: runtime.outcomes.length - 1, time: 1_700_000_000 },
    { item: Math.min(1, runtime.itemCount - 1), outcome: 0, time: 1_700_000_060 },
  ];
  const k = Math.min(10, runtime.itemCount);
  const plan = planQueries(runtime.outcomes, runtime.horizons, k, undefined, undefined);
  const session = runtime.prefill(probe.slice(0, 1));
  const mask = tf.zeros([runtime.itemCount]) as tf.Tensor1D;
  try {
    runtime.append(session, probe.slice(1));
    const queries = runtime.queries(
      session,
      plan.map(({ outcome, horizon }) => ({ outcome, horizon })),
    );
    try {
      await retrieveTopK(queries, runtime.itemEmbeddings, mask, k);
    } finally {
      queries.dispose();
    }
  } finally {
    mask.dispose();
    session.dispose();
  }
}
