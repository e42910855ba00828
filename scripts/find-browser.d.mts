/** Types for scripts/find-browser.mjs (plain JS so `npm test` runs it without a TypeScript loader). */
export function findBrowser(options?: { quiet?: boolean }): Promise<string>;
