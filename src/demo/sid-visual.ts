/**
 * A generated visual per item from its semantic ID: items that share SID prefixes share hue and
 * pattern, so the demo makes the code hierarchy visible (similar movies look alike).
 */

/** Hue from the first code, lightness band from the second, stripe angle from the third. */
export function sidSwatchStyle(sid: readonly number[] | undefined, codebookSize: number): string {
  if (!sid || sid.length === 0) return 'background: #ccc';
  const size = Math.max(codebookSize, 1);
  const hue = Math.round(((sid[0] ?? 0) / size) * 360);
  const second = sid[1] ?? 0;
  const lightness = 38 + Math.round((second / size) * 30);
  const angle = Math.round(((sid[2] ?? 0) / size) * 180);
  const base = `hsl(${hue} 65% ${lightness}%)`;
  const stripe = `hsl(${(hue + 30) % 360} 70% ${Math.min(lightness + 18, 90)}%)`;
  return `background: repeating-linear-gradient(${angle}deg, ${base} 0 8px, ${stripe} 8px 14px)`;
}

/** Human-readable SID, e.g. `12·40·7·0`. */
export function formatSid(sid: readonly number[] | undefined): string {
  return sid && sid.length > 0 ? sid.join('·') : 'none';
}
