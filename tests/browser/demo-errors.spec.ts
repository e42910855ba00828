/**
 * The demo's error screens and one-rating-per-film: a wrong `?model=` (the preview server answers
 * its index.html) says "That URL is not a pocketrec model", keeps the header and offers a way back;
 * re-rating a film replaces its rating, also in IndexedDB.
 */
import { expect, test } from '@playwright/test';
import { findFilm, historyRows, seriousAxeViolations, SHOTS, waitReady } from './demo-helpers.ts';

test('a wrong model URL says so, keeps the header and offers a way back', async ({ page }) => {
  await page.goto('/?model=/no-such-model/manifest.json');
  await expect(page.locator('body')).toHaveAttribute('data-state', 'error', { timeout: 120_000 });
  await expect(page.locator('#load-error')).toHaveAttribute('data-error', 'not-a-model');
  await expect(page.locator('#load-error h2')).toHaveText('That URL is not a pocketrec model');
  await expect(page.locator('#load-error')).toContainText('/no-such-model/manifest.json');
  await expect(page.locator('header h1')).toHaveText('pocketrec');
  await expect(page.locator('#error-retry')).toBeVisible();
  await expect(page.locator('#error-reset')).toBeVisible();
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.screenshot({ path: `${SHOTS}/demo-8-wrong-model.png` });
  // The way back: the built-in model.
  await page.locator('#error-default-model').click();
  await waitReady(page);
  expect(new URL(page.url()).search).toBe('');
});

test('re-rating a film replaces its rating; pressing the rating again removes it', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  const card = await findFilm(page, 'Empire Strikes', 'Star Wars: Episode V - The Empire Strikes Back');
  await card.locator('button[data-outcome="watch"]').click();
  await expect(card.locator('.card-rating')).toHaveText('Your rating: Watched');
  await card.locator('button[data-outcome="watch"]').focus();
  await card.locator('button[data-outcome="love"]').click();
  await expect(card.locator('.card-rating')).toHaveText('Your rating: Loved it');
  await expect(card.locator('button[data-outcome="watch"]')).toHaveAttribute('aria-pressed', 'false');
  await expect(card.locator('button[data-outcome="love"]')).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(() => historyRows(page)).toEqual([['Star Wars: Episode V - The Empire Strikes Back', 'Loved it · 1980']]);
  // Stored that way: after a reload the history still holds one event for the film.
  await page.reload();
  await waitReady(page);
  expect(await historyRows(page)).toEqual([['Star Wars: Episode V - The Empire Strikes Back', 'Loved it · 1980']]);
  const again = await findFilm(page, 'Empire Strikes', 'Star Wars: Episode V - The Empire Strikes Back');
  await expect(again.locator('button[data-outcome="love"]')).toHaveAttribute('aria-pressed', 'true');
  await again.locator('button[data-outcome="love"]').click();
  await expect(again.locator('.card-rating')).toHaveText('');
  await expect(page.locator('#history-list > li[data-item-id]')).toHaveCount(0);
});
