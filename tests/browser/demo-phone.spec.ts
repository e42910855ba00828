/**
 * The demo on a phone (375 px): "For you" is the first screen, a rating updates it in view without
 * scrolling, the catalog is one tap away and a sticky strip keeps the current picks in view there.
 */
import { expect, test } from '@playwright/test';
import { recommendedIds, SHOTS, waitReady } from './demo-helpers.ts';

// A phone: 375 px wide, touch input, mobile viewport handling.
test.use({ viewport: { width: 375, height: 740 }, hasTouch: true, isMobile: true });

test('on a phone, For you comes first and each rating updates it in view', async ({ page }) => {
  await page.goto('/');
  await waitReady(page);
  await expect(page.locator('#tab-recs')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('#catalog-list')).toBeHidden();
  const firstCard = page.locator('#recs-list > li.card').first();
  await expect(firstCard).toBeInViewport();
  await page.screenshot({ path: `${SHOTS}/demo-6-phone-start.png` });

  // Rate the first film right in "For you": the list is rebuilt from the rating, still in view.
  const before = await recommendedIds(page);
  await firstCard.locator('button[data-outcome="love"]').tap();
  await expect(page.locator('#recs-meta')).toContainText('from your 1 rating');
  const after = await recommendedIds(page);
  expect(after).not.toEqual(before);
  expect(after).not.toContain(before[0]);
  expect(await page.evaluate(() => window.scrollY)).toBe(0);
  await expect(page.locator('#recs-list > li.card').first()).toBeInViewport();
  await expect(page.locator('#tab-history')).toHaveText('Ratings (1)');

  // The catalog is one tap away (search focused); rating there updates the sticky "For you" strip.
  await page.locator('#tab-catalog').tap();
  await expect(page.locator('#search')).toBeFocused();
  await expect(page.locator('#picks-strip')).toBeInViewport();
  await page.keyboard.type('Matrix');
  const card = page.locator('#catalog-list > li.card').first();
  await expect(card.locator('.card-title')).toHaveText('The Matrix');
  await card.locator('button[data-outcome="love"]').tap();
  await expect(card.locator('.card-rating')).toHaveText('Your rating: Loved it');
  await expect(page.locator('#picks-strip')).toBeInViewport();
  await expect.poll(() => page.locator('#picks-strip').getAttribute('data-ids')).not.toBe(after.join(','));
  await page.screenshot({ path: `${SHOTS}/demo-7-phone-catalog.png` });
  // One tap back to the updated list.
  await page.locator('#picks-strip').tap();
  await expect(page.locator('#recs-list > li.card').first()).toBeInViewport();
  await expect(page.locator('#recs-meta')).toContainText('from your 2 ratings');

  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
