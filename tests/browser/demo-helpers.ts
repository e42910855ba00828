/** Shared steps of the demo specs (tests/browser/demo*.spec.ts). */
import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

/** Screenshots of the demo's states (docs/demo.md shows copies of some). */
export const SHOTS = 'test-results/screenshots';

/** Collects console errors and uncaught page errors. */
export function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

/** Waits until the model is loaded and the app is mounted. */
export async function waitReady(page: Page): Promise<void> {
  await expect(page.locator('body')).toHaveAttribute('data-state', 'ready', { timeout: 180_000 });
}

/** Item ids in the "For you" list, in order. */
export async function recommendedIds(page: Page): Promise<string[]> {
  return page
    .locator('#recs-list > li[data-item-id]')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-item-id') ?? ''));
}

/** The history as the page lists it: [title, outcome label] per film, newest first. */
export async function historyRows(page: Page): Promise<string[][]> {
  return page
    .locator('#history-list > li[data-item-id]')
    .evaluateAll((rows) =>
      rows.map((row) => [
        row.querySelector('.card-title')?.textContent ?? '',
        row.querySelector('.card-meta')?.textContent ?? '',
      ]),
    );
}

/** Searches the catalog for `query` and returns the first card. */
export async function findFilm(page: Page, query: string, title: string) {
  await page.fill('#search', query);
  const card = page.locator('#catalog-list > li.card').first();
  await expect(card.locator('.card-title')).toHaveText(title);
  return card;
}

/** Rates the first catalog match of `query` and waits for the history to list it. */
export async function rateFromCatalog(page: Page, query: string, title: string, outcome: string): Promise<void> {
  const card = await findFilm(page, query, title);
  await card.locator(`button[data-outcome="${outcome}"]`).click();
  await expect(page.locator(`#history-list > li[data-item-id="${await card.getAttribute('data-item-id')}"]`)).toHaveCount(1);
  await expect(card.locator(`button[data-outcome="${outcome}"]`)).toHaveAttribute('aria-pressed', 'true');
}

/** axe-core on the current page: the violations of impact serious or critical (expected: none). */
export async function seriousAxeViolations(
  page: Page,
): Promise<{ id: string; impact: string; help: string; targets: string[] }[]> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact ?? '', help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}
