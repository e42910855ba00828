/**
 * Turning explicit ratings into named outcomes. Every rated event is kept; the rule only names it, so a model
 * can condition on (or a metric can be split by) "love" vs "dislike" instead of a number.
 */

/** One band of the rule: ratings >= `minRating` (and below the next band) get `outcome`. */
export interface RatingBand {
  outcome: string;
  minRating: number;
}

/**
 * A rating -> outcome rule: bands in any order; a rating takes the band with the highest `minRating` it reaches.
 * Ratings below every band take the lowest band.
 */
export interface RatingRule {
  bands: RatingBand[];
}

/**
 * The default MovieLens rule: rating >= 4 -> `love`, 3..3.5 -> `watch`, <= 2.5 -> `dislike`.
 * As a string (see parseRatingRule): `love:4,watch:3,dislike:0`.
 */
export const MOVIELENS_RATING_RULE: RatingRule = {
  bands: [
    { outcome: 'dislike', minRating: 0 },
    { outcome: 'watch', minRating: 3 },
    { outcome: 'love', minRating: 4 },
  ],
};

/**
 * Parses `name:min,name:min,...` (e.g. `love:4,watch:3,dislike:0` or a binary `like:3.5,dislike:0`).
 * Throws with the offending part on bad input.
 */
export function parseRatingRule(text: string): RatingRule {
  const bands: RatingBand[] = [];
  for (const part of text.split(',')) {
    const match = /^\s*([A-Za-z][\w-]*)\s*:\s*(-?\d+(?:\.\d+)?)\s*$/.exec(part);
    if (!match) throw new Error(`rating rule part "${part}" is not name:minRating (e.g. love:4)`);
    bands.push({ outcome: match[1]!, minRating: Number(match[2]) });
  }
  if (new Set(bands.map((b) => b.outcome)).size !== bands.length) {
    throw new Error(`rating rule "${text}" names an outcome twice`);
  }
  return { bands };
}

/** Formats a rule back into the `name:min,...` form (highest band first), for summaries and JSON. */
export function formatRatingRule(rule: RatingRule): string {
  return sortedBands(rule)
    .slice()
    .reverse()
    .map((b) => `${b.outcome}:${b.minRating}`)
    .join(',');
}

function sortedBands(rule: RatingRule): RatingBand[] {
  if (rule.bands.length === 0) throw new Error('rating rule has no bands');
  return rule.bands.slice().sort((a, b) => a.minRating - b.minRating);
}

/** A compiled rule: the outcome vocabulary (lowest band first) and a rating -> outcome-index function. */
export interface CompiledRatingRule {
  outcomes: string[];
  outcomeOf(rating: number): number;
}

/** Compiles a rule for fast per-row use. */
export function compileRatingRule(rule: RatingRule): CompiledRatingRule {
  const bands = sortedBands(rule);
  const mins = bands.map((b) => b.minRating);
  return {
    outcomes: bands.map((b) => b.outcome),
    outcomeOf(rating: number): number {
      let index = 0;
      for (let i = 1; i < mins.length; i++) if (rating >= mins[i]!) index = i;
      return index;
    },
  };
}
