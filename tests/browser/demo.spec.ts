/**
 * The demo page as a new user meets it on a desktop screen: first visit downloads and warms up the
 * shipped model, then search, rate, watch "For you" change, steer it, read "Why this?", remove
 * ratings and delete everything, with the header kept and a way back. Screenshots of the main states
 * go to test-results/screenshots/ (docs/demo.md shows copies).
 */
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { collectConsoleErrors, historyRows, rateFromCatalog, recommendedIds, SHOTS, waitReady } from './demo-helpers.ts';

/** Whether the model the demo ships (public/models/ml-latest-small) was exported with a ranking head. */
function shippedHasRankingHead(): boolean {
  const manifest = JSON.parse(readFileSync('public/models/ml-latest-small/manifest.json', 'utf8')) as {
    model: { ranking?: unknown };
  };
  return manifest.model.ranking !== undefined;
}

test('a new user explores, rates, steers, reads why, and clears data', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const consoleErrors = collectConsoleErrors(page);
  await page.goto('/');
  // First visit: the loading screen names its steps under the header.
  await expect(page.locator('#load-steps')).toBeVisible();
  await expect(page.locator('header h1')).toHaveText('pocketrec');
  await waitReady(page);
  // The engine's status in plain words (which words depends on the machine's WebGPU).
  await expect(page.locator('#engine-status')).toHaveText(/^Running on (your|WebGPU)/);
  await expect(page.locator('#engine-status')).not.toContainText('swiftshader');
  await expect(page.locator('#recs-meta')).toContainText('most popular films');
  // Titles as people write them, the year once (in the meta line).
  const matrix = page.locator('#catalog-list > li.card');
  await page.fill('#search', 'Matrix, The');
  await expect(matrix.first().locator('.card-title')).toHaveText('The Matrix');
  await expect(matrix.first().locator('.card-meta')).toHaveText(/^1999 · /);
  await page.screenshot({ path: `${SHOTS}/demo-1-ready-cold-start.png` });

  await rateFromCatalog(page, 'Toy Story', 'Toy Story', 'love');
  await expect(page.locator('#recs-meta')).toContainText('Picked for you from your 1 rating');
  const afterOne = await recommendedIds(page);
  expect(afterOne.length).toBe(20);
  await rateFromCatalog(page, 'Aladdin', 'Aladdin', 'love');
  await rateFromCatalog(page, 'Lion King', 'The Lion King', 'watch');
  await rateFromCatalog(page, 'Heat', 'Heat', 'dislike');
  await expect.poll(() => recommendedIds(page)).not.toEqual(afterOne);
  const afterFour = await recommendedIds(page);
  expect(afterFour).not.toContain('1'); // rated films are not recommended
  expect(await historyRows(page)).toEqual([
    ['Heat', 'Not for me · 1995'],
    ['The Lion King', 'Watched · 1994'],
    ['Aladdin', 'Loved it · 1992'],
    ['Toy Story', 'Loved it · 1995'],
  ]);

  // "Why this?" in words first; the codes and cosines behind a second toggle.
  const why = page.locator('#recs-list details.why').first();
  await why.locator('summary').first().click();
  await expect(why.locator('.why-words')).toHaveText(/^(Because you (loved|watched) .+\.|Picked .+\.)$/);
  await expect(why.locator('.why-tech')).not.toHaveAttribute('open');
  await why.locator('.why-tech summary').click();
  await expect(why.locator('.why-tech')).toContainText(/Semantic ID \d+·\d+/);
  await expect(why.locator('.why-tech')).toContainText('Closest in your ratings');
  await page.screenshot({ path: `${SHOTS}/demo-2-recommendations.png` });

  // Steering: the budget all the way changes the list; horizon and retrieval mode give lists too.
  await page.locator('#steer summary').click();
  await page.locator('#budget').fill('0');
  await page.locator('#budget').dispatchEvent('change');
  await expect.poll(() => recommendedIds(page)).not.toEqual(afterFour);
  await page.selectOption('#horizon', 'all');
  await expect(page.locator('#recs-list > li[data-item-id]').first()).toBeVisible();
  // The shipped model has no SID head: the generative modes are listed, disabled, and say why.
  for (const mode of ['sid', 'sid+rerank']) {
    await expect(page.locator(`#mode option[value="${mode}"]`)).toBeDisabled();
    await expect(page.locator(`#mode option[value="${mode}"]`)).toContainText('this model has no SID head');
  }
  await expect(page.locator('.notice.error')).toHaveCount(0);
  // Re-ranking by the ranking head's expected utility: offered only when the shipped model has a head.
  const utility = page.locator('#order option[value="utility"]');
  if (shippedHasRankingHead()) {
    await page.selectOption('#order', 'utility');
    await expect(page.locator('#recs-list .card-prediction').first()).toHaveText(/^Predicted: \d+% [a-z ]+, \d+% [a-z ]+/);
    await expect(page.locator('#recs-list > li[data-item-id]')).toHaveCount(20);
    await page.selectOption('#order', 'retrieval');
  } else {
    await expect(utility).toBeDisabled();
    await expect(utility).toHaveText(/this model has no ranking head/);
    await expect(page.locator('#recs-list .card-prediction')).toHaveCount(0);
  }

  // Settings: the backend is a choice; the technical detail is there for who wants it.
  await page.locator('#settings summary').click();
  await expect(page.locator('#backend-setting')).toHaveValue('auto');
  await expect(page.locator('#engine-detail')).toContainText('backend ');
  await page.screenshot({ path: `${SHOTS}/demo-3-steered-settings.png` });
  await page.locator('#backend-setting').focus();
  await page.selectOption('#backend-setting', 'wasm');
  await waitReady(page);
  await expect(page.locator('#engine-status')).toHaveText('Running on your CPU, as chosen in Settings');
  await expect(page.locator('#backend-setting')).toBeFocused(); // the header survives the restart
  expect(await historyRows(page)).toHaveLength(4);
  await page.selectOption('#backend-setting', 'auto');
  await waitReady(page);

  // Remove one rating, then all, then delete everything; the header stays and there is a way back.
  await page.locator('#history-list button.history-remove').first().click();
  await expect(page.locator('#history-list > li[data-item-id]')).toHaveCount(3);
  page.on('dialog', (dialog) => void dialog.accept());
  await page.click('#history-clear');
  await expect(page.locator('#history-list > li[data-item-id]')).toHaveCount(0);
  await expect(page.locator('#recs-meta')).toContainText('most popular films');
  await page.click('#storage-delete');
  await expect(page.locator('#deleted-notice')).toBeVisible();
  await expect(page.locator('header h1')).toHaveText('pocketrec');
  await expect(page.locator('#engine-status')).toHaveText('The model is not running'); // no stale backend facts
  await expect(page.locator('#engine-detail')).toBeEmpty();
  await expect(page.locator('#deleted-restart')).toBeFocused();
  await page.screenshot({ path: `${SHOTS}/demo-5-deleted.png` });
  await page.click('#deleted-restart');
  await waitReady(page);
  await expect(page.locator('#recs-meta')).toContainText('most popular films');

  expect(consoleErrors).toEqual([]);
});
