/** Content tokens for the item catalog: namespaced `kind:value` strings (see ItemCatalog.features). */

const STOP_WORDS = new Set(
  (
    'a an the and or of in on at to for from with by as is it its be are was were this that these those ' +
    'i ii iii me my we you your he she his her they them their our not no so do does did but if than then ' +
    'into out up down over under about after before again all any both each few more most other some such ' +
    'only own same too very can will just de la le les el los das der die und et du des un une'
  ).split(' '),
);

/**
 * Lower-cased title words without stop words, one-letter words or the trailing `(1995)` year, as `word:` tokens.
 * `"Star Wars: Episode IV - A New Hope (1977)"` -> `word:star word:wars word:episode word:iv word:new word:hope`.
 */
export function titleWordTokens(title: string): string[] {
  const words = title
    .replace(/\(\d{4}(?:[-–]\d{0,4})?\)\s*$/, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}']+/u)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 1 && !STOP_WORDS.has(w));
  return [...new Set(words)].map((w) => `word:${w}`);
}

/** The release year at the end of a MovieLens title (`Heat (1995)` -> 1995), NaN when absent. */
export function yearFromTitle(title: string): number {
  const match = /\((\d{4})(?:[-–]\d{0,4})?\)\s*$/.exec(title);
  return match ? Number(match[1]) : NaN;
}

/** `year:1995` and `decade:1990s` tokens for a finite year, none otherwise. */
export function yearTokens(year: number): string[] {
  if (!Number.isFinite(year)) return [];
  return [`year:${year}`, `decade:${Math.floor(year / 10) * 10}s`];
}

/** Namespaces a list of raw values (`genre`, `Comedy` -> `genre:Comedy`), dropping blanks and duplicates. */
export function namespaced(kind: string, values: Iterable<string>): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const raw of values) {
    const value = raw.trim();
    if (value === '' || seen.has(value)) continue;
    seen.add(value);
    out.push(`${kind}:${value}`);
  }
  return out;
}
