/**
 * Titles as people write them. MovieLens stores "Matrix, The (1999)" (article moved to the end for
 * sorting, year appended); cards show "The Matrix" and the year once, in their meta line.
 */

/** Articles MovieLens moves to the end, in the languages its titles use. */
const ARTICLES = new Set([
  'The',
  'A',
  'An',
  'La',
  'Le',
  'Les',
  "L'",
  'Il',
  'El',
  'Los',
  'Las',
  'Lo',
  'Der',
  'Die',
  'Das',
  'Den',
  'Det',
  'De',
  'Het',
  'Une',
  'Un',
  'Uno',
  'Una',
  'Gli',
  'I',
  'O',
  'Ta',
  'Ein',
  'Eine',
]);

/** "Matrix, The" -> "The Matrix"; "Cité des enfants perdus, La" -> "La Cité des enfants perdus". */
function frontArticle(title: string): string {
  const match = /^(.*), ([^\s,]+)$/.exec(title.trim());
  if (!match || !ARTICLES.has(match[2]!)) return title.trim();
  const article = match[2]!;
  return article.endsWith("'") ? `${article}${match[1]}` : `${article} ${match[1]}`;
}

/**
 * The display title: trailing "(year)" dropped (the card shows the year), articles moved to the
 * front, also inside an "(also known as)" part: "City of Lost Children, The (Cité des enfants
 * perdus, La) (1995)" -> "The City of Lost Children (La Cité des enfants perdus)".
 */
export function displayTitle(raw: string): string {
  let title = raw.trim().replace(/\s*\((?:\d{4})(?:[–-]\d{0,4})?\)$/, '');
  const aka: string[] = [];
  // Peel trailing "(...)" parts (alternative titles), fix each, then the main title.
  for (;;) {
    const match = /^(.*\S)\s*\(([^()]+)\)$/.exec(title);
    if (!match) break;
    aka.unshift(frontArticle(match[2]!.replace(/^a\.k\.a\.\s*/i, '')));
    title = match[1]!;
  }
  const main = frontArticle(title);
  return [main, ...aka.map((part) => `(${part})`)].join(' ');
}
