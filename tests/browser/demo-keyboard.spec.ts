/**
 * The demo by keyboard alone, and axe-core's accessibility check: skip links, rating from "For you"
 * and from the catalog with focus kept on the acted-on control (or the one now in its place), the
 * live region saying what changed, and zero serious or critical axe violations on desktop and phone.
 */
import { expect, test, type Page } from '@playwright/test';
import { seriousAxeViolations, waitReady } from './demo-helpers.ts';

async function active(page: Page): Promise<{ list: string; outcome: string; itemId: string; text: string }> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      list: el?.closest('ol, ul')?.id ?? el?.tagName ?? '',
      outcome: el?.dataset.outcome ?? '',
      itemId: el?.closest('li')?.dataset.itemId ?? '',
      text: el?.textContent ?? '',
    };
  });
}

async function tabUntil(page: Page, done: (a: Awaited<ReturnType<typeof active>>) => boolean, max: number): Promise<number> {
  for (let presses = 1; presses <= max; presses++) {
    await page.keyboard.press('Tab');
    if (done(await active(page))) return presses;
  }
  throw new Error(`not reached in ${max} Tab presses; focus is on ${JSON.stringify(await active(page))}`);
}

test('keyboard only: skip link, rate from the list, focus stays', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/');
  await waitReady(page);

  // The first Tab reaches the skip links.
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to For you' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#recs-heading')).toBeFocused();
  // From there a few Tabs reach the first card's "Loved it".
  const presses = await tabUntil(page, (a) => a.list === 'recs-list' && a.outcome === 'love', 10);
  expect(presses).toBeLessThanOrEqual(6);
  const rated = (await active(page)).itemId;
  const title = await page.locator(`#recs-list > li[data-item-id="${rated}"] .card-title`).textContent();
  await page.keyboard.press('Enter');
  // The film leaves the list (rated films are not recommended); focus takes the same button of the card now in its place.
  await expect(page.locator('#live')).toContainText(`${title}: Loved it.`);
  await expect(page.locator('#live')).toContainText('For you is updated');
  await expect(page.locator(`#recs-list > li[data-item-id="${rated}"]`)).toHaveCount(0);
  let now = await active(page);
  expect(now.list).toBe('recs-list');
  expect(now.outcome).toBe('love');
  expect(now.itemId).not.toBe(rated);
  // Again, straight away: Enter rates the film that took the place.
  const second = now.itemId;
  await page.keyboard.press('Enter');
  await expect(page.locator('#history-list > li[data-item-id]')).toHaveCount(2);
  await expect(page.locator(`#history-list > li[data-item-id="${second}"]`)).toHaveCount(1);
  now = await active(page);
  expect(now.list).toBe('recs-list');

  // After a reload: skip to search, type, Tab to a card's button, rate: focus stays on that very button, now pressed.
  await page.reload();
  await waitReady(page);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to search' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#search')).toBeFocused();
  await page.keyboard.type('Alien');
  await expect(page.locator('#catalog-list > li.card').first().locator('.card-title')).toHaveText('Alien');
  await tabUntil(page, (a) => a.list === 'catalog-list' && a.outcome === 'watch', 8);
  const alien = (await active(page)).itemId;
  await page.keyboard.press('Enter');
  await expect(page.locator(`#catalog-list > li[data-item-id="${alien}"] .card-rating`)).toHaveText('Your rating: Watched');
  now = await active(page);
  expect(now).toMatchObject({ list: 'catalog-list', outcome: 'watch', itemId: alien });
  await expect(page.locator(`#catalog-list > li[data-item-id="${alien}"] button[data-outcome="watch"]`)).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  // Space on the pressed rating removes it; focus still there.
  await page.keyboard.press('Space');
  await expect(page.locator(`#catalog-list > li[data-item-id="${alien}"] .card-rating`)).toHaveText('');
  expect(await active(page)).toMatchObject({ list: 'catalog-list', outcome: 'watch', itemId: alien });
  await expect(page.locator('#live')).toContainText('Removed your rating of Alien.');
});

test('axe-core finds no serious accessibility violations (desktop, phone, open explanations)', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto('/');
  await waitReady(page);
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.locator('#recs-list > li.card').first().locator('button[data-outcome="love"]').click();
  await expect(page.locator('#recs-meta')).toContainText('from your 1 rating');
  await page.locator('#recs-list details.why summary').first().click();
  await page.locator('#recs-list details.why-tech summary').first().click();
  await page.locator('#steer summary').click();
  await page.locator('#settings summary').click();
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.setViewportSize({ width: 375, height: 740 });
  expect(await seriousAxeViolations(page)).toEqual([]);
  await page.locator('#tab-catalog').click();
  expect(await seriousAxeViolations(page)).toEqual([]);
});
