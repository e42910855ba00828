/**
 * The ranking head's prediction in words for a card ("Predicted: 82% love, 13% watch, 5% not for me"),
 * and the utility the demo's "Best predicted" order maximises.
 */

/** Short words per outcome for the prediction line. */
const WORDS: Record<string, string> = { love: 'love', watch: 'watch', dislike: 'not for me' };

/** Expected-utility weights the demo asks for: love +1, watch +0.3, dislike -1 (known outcomes only). */
export function demoUtility(outcomes: readonly string[]): Record<string, number> {
  const weights: Record<string, number> = { love: 1, watch: 0.3, dislike: -1 };
  return Object.fromEntries(outcomes.filter((o) => o in weights).map((o) => [o, weights[o]!]));
}

/**
 * E.g. "Predicted: 82% love, 13% watch, 5% not for me": the outcome shares if you watch it (they sum
 * to 100%), most likely first.
 */
export function predictionText(shares: Record<string, number>): string {
  const parts = Object.entries(shares)
    .sort((a, b) => b[1] - a[1])
    .map(([outcome, p]) => `${Math.round(p * 100)}% ${WORDS[outcome] ?? outcome}`);
  return `Predicted: ${parts.join(', ')}`;
}
