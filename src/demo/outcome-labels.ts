/** Display names for the model's outcome vocabulary (the model speaks `love`, people click "Loved"). */
const LABELS: Record<string, string> = {
  love: 'Loved it',
  watch: 'Watched',
  dislike: 'Not for me',
  click: 'Clicked',
  save: 'Saved',
  pv: 'Viewed',
  cart: 'Added to cart',
  fav: 'Favourited',
  buy: 'Bought',
};

/** The button/legend text for an outcome. */
export function outcomeLabel(outcome: string): string {
  return LABELS[outcome] ?? outcome;
}

/**
 * Outcomes a person would want more of, most positive first (by the manifest's convention the last
 * outcome is the most positive one, e.g. `love` after `watch`).
 */
export function positiveOutcomes(outcomes: readonly string[]): string[] {
  return outcomes.filter((outcome) => outcome !== 'dislike').reverse();
}
