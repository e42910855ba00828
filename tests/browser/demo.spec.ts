/**
 * The demo page as a new user meets it: first visit downloads and warms up the shipped model, then
 * search, act on movies, watch recommendations change, steer them, reload offline, clear data.
 * Screenshots of the main states go to test-results/screenshots/ (not committed).
 */
import { expect, test, type Page } from '@playwright/test';

const SHOTS = 'test-results/screenshots';

function collectConsoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

async function waitReady(page: Page): Promise<void> {
  await expect(page.locator('body')).toHaveAttribute('data-state', 'ready', { timeout: 180_000 });
}

async function recommendedIds(page: Page): Promise<string[]> {
  return page
    .locator('#recs-list > li[data-item-id]')
    .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-item-id') ?? ''));
}

async function actOn(page: Page, title: string, outcome: string): Promise<void> {
  await page.fill('#search', title);
  const card = page.locator('#catalog-list > li.card').first();
  await expect(card).toContainText(title);
  const before = await page.locator('#history-list > li[data-item-id]').count();
  await card.locator(`button[data-outcome="${outcome}"]`).click();
  await expect(page.locator('#history-list > li[data-item-id]')).toHaveCount(before + 1);
}

test('a new user explores, acts, steers, reloads offline and clears data', async ({ page }) => {
  const consoleErrors = collectConsoleErrors(page);
  await page.goto('/');
  // First visit: the progress UI names its phase while the model downloads and warms up.
  await expect(page.locator('#load-phase')).toBeVisible();
  await waitReady(page);
  await page.screenshot({ path: `${SHOTS}/demo-1-ready-cold-start.png`, fullPage: true });

  // Empty history: a cold-start list is shown.
  await expect(page.locator('#recs-meta')).toContainText('No history yet');
  await expect(page.locator('#backend-badge')).not.toBeEmpty();

  // Search by title.
  await page.fill('#search', 'Toy Story');
  await expect(page.locator('#catalog-list > li.card').first()).toContainText('Toy Story');

  // Act on several movies; recommendations appear and change after each action.
  await actOn(page, 'Toy Story (1995)', 'love');
  await expect(page.locator('#recs-meta')).toContainText('recommendations in');
  const afterOne = await recommendedIds(page);
  expect(afterOne.length).toBeGreaterThan(0);
  await actOn(page, 'Aladdin (1992)', 'love');
  await actOn(page, 'Lion King, The (1994)', 'watch');
  await actOn(page, 'Heat (1995)', 'dislike');
  await expect.poll(() => recommendedIds(page)).not.toEqual(afterOne);
  const afterFour = await recommendedIds(page);
  // Seen movies are excluded from recommendations.
  expect(afterFour).not.toContain('1');
  await page.screenshot({ path: `${SHOTS}/demo-2-recommendations.png`, fullPage: true });

  // Steering: move the outcome budget all the way and the list changes.
  await page.locator('#budget').fill('0');
  await page.locator('#budget').dispatchEvent('change');
  await expect.poll(() => recommendedIds(page)).not.toEqual(afterFour);
  // Horizon and retrieval mode switches produce lists too.
  await page.selectOption('#horizon', 'all');
  await expect(page.locator('#recs-list > li[data-item-id]').first()).toBeVisible();
  await page.selectOption('#mode', 'sid');
  await expect(page.locator('#recs-meta')).toContainText('SID beam search');
  await expect(page.locator('#recs-list > li[data-item-id]')).toHaveCount(20);
  await page.locator('#recs-list details.why').first().click();
  // The explanation shows the item's semantic ID (codes joined by ·) and the closest history items.
  await expect(page.locator('#recs-list details.why').first()).toContainText(/SID \d+·\d+/);
  await expect(page.locator('#recs-list details.why').first()).toContainText('Closest in your history');
  await expect(page.locator('.notice.error')).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/demo-3-steered-sid.png`, fullPage: true });

  // Reload with the model URL blocked: model and history come from IndexedDB.
  await page.route('**/models/**', (route) => route.abort('internetdisconnected'));
  await page.reload();
  await waitReady(page);
  await expect(page.locator('#history-list > li[data-item-id]')).toHaveCount(4);
  await expect(page.locator('#recs-meta')).toContainText('recommendations in');
  await page.screenshot({ path: `${SHOTS}/demo-4-offline-reload.png`, fullPage: true });
  await page.unroute('**/models/**');

  // Remove one event, then clear everything.
  await page.locator('#history-list button.history-remove').first().click();
  await expect(page.locator('#history-list > li[data-item-id]')).toHaveCount(3);
  page.on('dialog', (dialog) => void dialog.accept());
  await page.click('#history-clear');
  await expect(page.locator('#history-list > li[data-item-id]')).toHaveCount(0);
  await expect(page.locator('#recs-meta')).toContainText('No history yet');
  await page.click('#storage-delete');
  await expect(page.locator('#deleted-notice')).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/demo-5-deleted.png`, fullPage: true });

  expect(consoleErrors).toEqual([]);
});

test('the demo is usable on a narrow screen and by keyboard', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.goto('/');
  await waitReady(page);
  // Every control has an accessible name.
  for (const id of ['search', 'genre', 'decade', 'horizon', 'mode']) {
    await expect(page.locator(`#${id}`)).toHaveAccessibleName(/.+/);
  }
  // Keyboard: focus the search box, type, tab to the first card's first action, press Enter.
  await page.focus('#search');
  await page.keyboard.type('Matrix');
  const firstAction = page.locator('#catalog-list > li.card').first().locator('button').first();
  await firstAction.focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#history-list > li[data-item-id]')).toHaveCount(1);
  // No horizontal scrolling at 375 px.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: `${SHOTS}/demo-6-narrow.png`, fullPage: true });
});
