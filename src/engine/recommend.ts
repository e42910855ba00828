/**
 * Retrieval for one `recommend` request: validate the request, plan the outcome/horizon queries,
 * score them all in one batched pass against the resident item table (or beam-search the SID trie),
 * merge by the outcome budget, and explain with the closest history items. The primitives (planning,
 * merge, masks, the fused kernel) live in retrieval.ts and sid-retrieval.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors/errors.ts';
import { unknownItemsError, type ActiveModel } from './active-model.ts';
import type { RecommendRequest, RecommendResult, Recommendation } from './protocol.ts';
import { buildMask, closestHistory, mergeCandidates, planQueries, retrieveTopK } from './retrieval.ts';
import type { UserSession } from './session.ts';
import { checkRankRequest, rerank } from './rerank.ts';
import { allowedItems, DEFAULT_SID_BEAM_WIDTH, DEFAULT_SID_RERANK_BEAM_WIDTH, sidRankedRows } from './sid-recommend.ts';

/**
 * Largest SID beam (and so the largest `k` in the SID modes): beam search costs beams x codes per
 * level, and a beam of 512 already covers far more than a recommendation list needs.
 */
export const MAX_BEAM_WIDTH = 512;
/** Largest `explain` (history items listed per result). */
export const MAX_EXPLAIN = 50;

/** An integer in [min, max], or `InvalidArgumentError` naming the field. */
function checkInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got ${String(value)}.`, {
      [name]: String(value),
    });
  return value;
}

/** The request's allow / deny lists as item rows (`UnknownItemError` for ids the catalog lacks). */
export function filterRows(model: ActiveModel, request: RecommendRequest): { allow?: number[]; deny?: number[] } {
  const toRows = (ids: string[] | undefined, what: string): number[] | undefined => {
    if (ids === undefined) return undefined;
    if (!Array.isArray(ids)) throw new InvalidArgumentError(`filter.${what} must be an array of item ids.`);
    const unknown = ids.filter((id) => !model.itemIndex.has(String(id)));
    if (unknown.length > 0) throw unknownItemsError(model, unknown.map(String), `filter.${what} was rejected`);
    return ids.map((id) => model.itemIndex.get(String(id))!);
  };
  const allow = toRows(request.filter?.allow, 'allow');
  const deny = toRows(request.filter?.deny, 'deny');
  return { ...(allow ? { allow } : {}), ...(deny ? { deny } : {}) };
}

/** The additive exclusion mask of the last request, reused while history and filter stay the same. */
export class MaskCache {
  private cached?: { key: string; tensor: tf.Tensor1D };

  /** The mask for `request` (undefined when nothing is excluded); owned by the cache. */
  maskFor(model: ActiveModel, session: UserSession, request: RecommendRequest): tf.Tensor1D | undefined {
    const excludeSeen = request.excludeSeen ?? true;
    const { allow, deny } = filterRows(model, request);
    if (!excludeSeen && !allow && !deny) return undefined;
    const key = JSON.stringify([excludeSeen, allow ?? null, deny ?? null, session.generation]);
    if (this.cached?.key === key) return this.cached.tensor;
    this.clear();
    const seen = excludeSeen ? session.seenItems() : [];
    const tensor = tf.tensor1d(buildMask(model.runtime.itemCount, seen, allow, deny));
    this.cached = { key, tensor };
    return tensor;
  }

  /** Frees the cached mask. */
  clear(): void {
    this.cached?.tensor.dispose();
    this.cached = undefined;
  }
}

/** Answers one request on `model` for `session`. */
export async function recommend(
  model: ActiveModel,
  session: UserSession,
  masks: MaskCache,
  request: RecommendRequest,
): Promise<RecommendResult> {
  const started = performance.now();
  const runtime = model.runtime;
  const k = request.k ?? 10;
  const mode = request.mode ?? 'embedding';
  if (mode !== 'embedding' && mode !== 'sid' && mode !== 'sid+rerank')
    throw new InvalidArgumentError(`mode must be 'embedding', 'sid' or 'sid+rerank', got ${String(mode)}.`);
  const generative = mode !== 'embedding';
  if (generative && !runtime.sidGenerator)
    throw new InvalidArgumentError(
      `Model ${model.loaded.manifest.modelVersion} has no SID head; use mode 'embedding' or train the model with --sid-head.`,
    );
  const explain = checkInteger(request.explain ?? 0, 'explain', 0, MAX_EXPLAIN);
  const defaultBeam = mode === 'sid+rerank' ? DEFAULT_SID_RERANK_BEAM_WIDTH : DEFAULT_SID_BEAM_WIDTH;
  const beamWidth = checkInteger(request.beamWidth ?? defaultBeam, 'beamWidth', 1, MAX_BEAM_WIDTH);
  if (k > runtime.itemCount) throw new InvalidArgumentError(`k (${k}) exceeds the catalog size (${runtime.itemCount}).`, { k });
  const rankPlan =
    request.rank !== undefined ? checkRankRequest(request.rank, runtime, model.loaded.manifest.modelVersion, k) : null;
  // With re-ranking, retrieval fills the candidate list; the ranking head picks k from it.
  const wanted = rankPlan ? rankPlan.candidates : k;
  if (generative && wanted > MAX_BEAM_WIDTH)
    throw new InvalidArgumentError(
      `mode '${mode}' returns at most ${MAX_BEAM_WIDTH} items (k ${wanted}); use mode 'embedding'.`,
      {
        k: wanted,
      },
    );
  const plan = planQueries(runtime.outcomes, runtime.horizons, wanted, request.outcomeBudget, request.horizon);
  // The SID modes exclude inside the beam (no [N] mask: they never touch the whole catalog).
  const mask = generative ? undefined : masks.maskFor(model, session, request);
  const filter = generative ? filterRows(model, request) : {};
  const kv = session.kvFor(model);
  if (!kv) {
    return { items: [], millis: performance.now() - started, queries: 0, mode, kernel: 'none', coldStart: true };
  }
  const queries = runtime.queries(
    kv,
    plan.map(({ outcome, horizon }) => ({ outcome, horizon })),
  ); // [Q, d]
  let ranked: { indices: ArrayLike<number>; scores: ArrayLike<number>; width: number };
  let kernel: RecommendResult['kernel'] = mode === 'sid+rerank' ? 'sid-rerank' : 'sid-beam';
  try {
    if (mode === 'embedding') {
      const width = Math.min(wanted, runtime.itemCount);
      const top = await retrieveTopK(queries, runtime.itemEmbeddings, mask, width);
      ranked = { ...top, width };
      kernel = top.path;
    } else {
      const seen = (request.excludeSeen ?? true) ? session.seenItems() : [];
      const allow = allowedItems(seen, filter.allow, filter.deny);
      ranked = await sidRankedRows(runtime, queries, mode, Math.max(wanted, beamWidth), beamWidth, allow);
    }
  } finally {
    queries.dispose();
  }
  let merged = mergeCandidates(plan, ranked.indices, ranked.scores, ranked.width, wanted);
  let predictions: ({ position: number; prediction: NonNullable<Recommendation['ranking']> } | undefined)[] = [];
  if (rankPlan) {
    const order = (
      await rerank(
        runtime,
        kv,
        merged.map((m) => m.index),
        rankPlan,
      )
    ).slice(0, k);
    predictions = order;
    merged = order.map((o) => merged[o.position]!);
  }
  const ids = model.loaded.catalog.itemIds;
  const titles = model.loaded.catalog.titles;
  const name = (q: number) => ({ outcome: runtime.outcomes[plan[q]!.outcome]!, horizon: runtime.horizons[plan[q]!.horizon]! });
  const items: Recommendation[] = merged.map((m, r) => {
    const title = titles?.[m.index];
    return {
      itemId: ids[m.index]!,
      index: m.index,
      ...(title ? { title } : {}),
      score: m.score,
      ...name(m.query),
      sources: m.sources.map((s) => ({ ...name(s.query), score: s.score })),
      ...(predictions[r] ? { ranking: predictions[r].prediction } : {}),
    };
  });
  if (explain > 0 && items.length > 0) {
    const historyRows = Array.from(new Set(session.seenItems()));
    const nearest = await closestHistory(
      runtime.itemEmbeddings,
      items.map((i) => i.index),
      historyRows,
      explain,
    );
    items.forEach((item, r) => {
      item.closestHistory = nearest[r]!.map((n) => ({ itemId: ids[historyRows[n.position]!]!, similarity: n.similarity }));
    });
  }
  return {
    items,
    millis: performance.now() - started,
    queries: plan.length,
    mode,
    kernel,
    coldStart: false,
    ...(rankPlan ? { reranked: { candidates: rankPlan.candidates, objective: rankPlan.objective } } : {}),
  };
}
