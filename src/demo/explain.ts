/** "Why this?" in words, from the closest history items the engine reports (`recommend({ explain })`). */
import { outcomeLabel } from './outcome-labels.ts';

/** Past-tense verbs for outcomes ("Because you loved ..."); others use the label. */
const VERBS: Record<string, string> = {
  love: 'loved',
  watch: 'watched',
  save: 'saved',
  fav: 'favourited',
  buy: 'bought',
  cart: 'added',
  click: 'clicked',
  pv: 'viewed',
};
/** What the model was asked for, as a person would say it. */
const WANTS: Record<string, string> = { love: 'something you may love', watch: 'something you may watch' };

function joinWords(words: string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * E.g. "Because you loved Alien and watched Blade Runner." Negative ratings (`dislike`) are left out:
 * nobody wants to read "because you did not like Heat". Returns a generic sentence when nothing
 * positive is close.
 */
export function becauseSentence(
  closest: readonly { title: string; outcome: string | undefined }[],
  pickedFor: string | undefined,
): string {
  const groups = new Map<string, string[]>();
  for (const item of closest) {
    if (!item.outcome || item.outcome === 'dislike') continue;
    const verb = VERBS[item.outcome] ?? `marked “${outcomeLabel(item.outcome)}”`;
    groups.set(verb, [...(groups.get(verb) ?? []), item.title]);
  }
  const parts = [...groups].map(([verb, titles]) => `${verb} ${joinWords(titles)}`);
  const want = pickedFor ? WANTS[pickedFor] : undefined;
  if (parts.length === 0)
    return want ? `Picked as ${want}, from the pattern of all your ratings.` : 'Picked from the pattern of all your ratings.';
  return `Because you ${joinWords(parts)}.`;
}
