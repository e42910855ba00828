/**
 * Replacing a generated section of a Markdown file (docs/benchmarks.md) between a begin and an end marker,
 * as the benchmark commands' `--write-docs` do.
 */

/**
 * `doc` with the text from `begin` through `end` replaced by `section` (which carries both markers), or
 * `section` appended when neither marker is present. Throws when only one is present or they are out of order.
 */
export function replaceMarkedSection(doc: string, begin: string, end: string, section: string, what: string): string {
  const from = doc.indexOf(begin);
  const to = doc.indexOf(end);
  if (from < 0 && to < 0) return `${doc.replace(/\n*$/, '')}\n\n${section}\n`;
  if (from < 0 || to < 0 || to < from)
    throw new Error(`docs/benchmarks.md has a broken ${what} section: need "${begin}" followed by "${end}"`);
  return doc.slice(0, from) + section + doc.slice(to + end.length);
}
