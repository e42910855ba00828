/**
 * The embedding example (docs/examples/embed/) is a second web app built from the package's public
 * entry: it must load the shipped model in its own worker, recommend, and react to a click.
 */
import { expect, test } from '@playwright/test';

test('the embedding example loads and recommends in its own page', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/docs/examples/embed/index.html');
  await expect(page.locator('#status')).toHaveText('ready', { timeout: 60_000 });
  const items = page.locator('#recommendations li');
  await expect(items).toHaveCount(10);
  await expect(page.locator('#engine')).toContainText('backend');
  const first = await items.first().getAttribute('data-item-id');
  await items.first().getByRole('button').click();
  await expect(page.locator(`#recommendations li[data-item-id="${first}"]`)).toHaveCount(0); // loved -> seen -> excluded
  expect(errors).toEqual([]);
});
