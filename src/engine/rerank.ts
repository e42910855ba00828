/**
 * On-device re-ranking (UniPinRec): the retrieved candidates are scored by the model's ranking head
 * from the session's KV cache (no history re-encoding) and ordered by an objective: one outcome's
 * probability, the probability of any interaction, or an expected utility sum_o w_o p(o | item).
 * recommend.ts calls `checkRankRequest` before retrieval and `rerank` after it.
 */
import { InvalidArgumentError } from '../errors/errors.ts';
import type { RankObjective, RankRequest, RankingPrediction } from './protocol.ts';
import type { RecommenderRuntime, RuntimeSession } from './runtime-port.ts';

/** Most candidates one request may re-rank (each is one token through the decoder's blocks). */
export const MAX_RANK_CANDIDATES = 1000;
/** Default number of candidates (at least k). */
export const DEFAULT_RANK_CANDIDATES = 100;

/** A checked rank request: how many to retrieve and the objective's weight per class. */
export interface RankPlan {
  candidates: number;
  objective: RankObjective;
  /** Weight of each class [none, outcome 0, outcome 1, ...] in the objective (a linear score). */
  weights: Float64Array;
}

/** Checks `rank` against the model and k; `InvalidArgumentError` naming the problem. */
export function checkRankRequest(rank: RankRequest, runtime: RecommenderRuntime, modelVersion: string, k: number): RankPlan {
  if (typeof rank !== 'object' || rank === null)
    throw new InvalidArgumentError('rank must be an object { candidates?, objective? }.', { rank: String(rank) });
  if (!runtime.hasRankingHead || !runtime.rankCandidates)
    throw new InvalidArgumentError(
      `Model ${modelVersion} has no ranking head, so it cannot re-rank; leave out \`rank\`, or train the model with \`pocketrec train --ranking-head\`.`,
      { reason: 'no-ranking-head', modelVersion },
    );
  const limit = Math.min(MAX_RANK_CANDIDATES, runtime.itemCount);
  const candidates = rank.candidates ?? Math.min(limit, Math.max(k, DEFAULT_RANK_CANDIDATES));
  if (typeof candidates !== 'number' || !Number.isInteger(candidates) || candidates < k || candidates > limit)
    throw new InvalidArgumentError(`rank.candidates must be an integer from k (${k}) to ${limit}, got ${String(candidates)}.`, {
      candidates: String(candidates),
    });
  const outcomes = runtime.outcomes;
  const objective = rank.objective ?? 'interaction';
  const weights = new Float64Array(outcomes.length + 1);
  if (typeof objective === 'string') {
    if (objective === 'interaction') weights.fill(1, 1);
    else {
      const o = outcomes.indexOf(objective);
      if (o < 0)
        throw new InvalidArgumentError(
          `rank.objective "${objective}" is not an outcome of this model (${outcomes.join(', ')}), 'interaction', or { utility }.`,
          { objective, outcomes },
        );
      weights[o + 1] = 1;
    }
  } else if (
    typeof objective === 'object' &&
    objective !== null &&
    typeof objective.utility === 'object' &&
    objective.utility !== null
  ) {
    for (const [name, w] of Object.entries(objective.utility)) {
      const o = outcomes.indexOf(name);
      if (o < 0)
        throw new InvalidArgumentError(
          `rank.objective.utility names "${name}", which this model does not know; its outcomes are ${outcomes.join(', ')}.`,
          { outcome: name, outcomes },
        );
      if (typeof w !== 'number' || !Number.isFinite(w))
        throw new InvalidArgumentError(`rank.objective.utility.${name} must be a finite number, got ${String(w)}.`, {
          outcome: name,
        });
      weights[o + 1] = w;
    }
  } else {
    throw new InvalidArgumentError(
      "rank.objective must be an outcome name, 'interaction', or { utility: { <outcome>: weight } }.",
      { objective: String(objective) },
    );
  }
  return { candidates, objective, weights };
}

/**
 * Scores `items` (retrieval order) with the ranking head and returns, best first by the plan's
 * objective (ties keep retrieval order), each item's position in `items` and its prediction.
 */
export async function rerank(
  runtime: RecommenderRuntime,
  session: RuntimeSession,
  items: number[],
  plan: RankPlan,
): Promise<{ position: number; prediction: RankingPrediction }[]> {
  if (items.length === 0) return [];
  const probabilities = runtime.rankCandidates!(session, items); // [C, outcomes + 1]
  let values: Float32Array;
  try {
    values = (await probabilities.data()) as Float32Array;
  } finally {
    probabilities.dispose();
  }
  const outcomes = runtime.outcomes;
  const classes = outcomes.length + 1;
  const scored = items.map((_, c) => {
    const row = values.subarray(c * classes, (c + 1) * classes);
    const noInteraction = row[0]!;
    const interacted = Math.max(1e-12, 1 - noInteraction);
    const byOutcome: Record<string, number> = {};
    const ifInteracted: Record<string, number> = {};
    let objective = 0;
    for (let j = 0; j < classes; j++) objective += plan.weights[j]! * row[j]!;
    outcomes.forEach((name, o) => {
      byOutcome[name] = row[o + 1]!;
      ifInteracted[name] = row[o + 1]! / interacted;
    });
    return {
      position: c,
      prediction: { outcomes: byOutcome, noInteraction, ifInteracted, objective, retrievalRank: c },
    };
  });
  return scored.sort((a, b) => b.prediction.objective - a.prediction.objective || a.position - b.position);
}
