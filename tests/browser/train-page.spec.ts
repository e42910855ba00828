/**
 * "Train on your own data" (train.html): a small generic CSV + items file are imported in the page's
 * worker, trained for a few epochs while the chart updates, tested beside the baselines, made the
 * active model of a namespace and asked for recommendations, and every request of the session is
 * recorded to show that none carries the data. Also: a malformed file names its line; a stop keeps the
 * best model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page, type Request } from '@playwright/test';

const FIXTURES = join(import.meta.dirname, '../fixtures/train');
const EVENTS = readFileSync(join(FIXTURES, 'events.csv'), 'utf8');

/** Small settings so a few epochs take seconds on two loaded cores. */
async function smallSettings(page: Page, epochs: number, backend = 'wasm'): Promise<void> {
  await page.locator('#edit-settings summary').click();
  const values: Record<string, string> = {
    epochs: String(epochs),
    batchSize: '16',
    dim: '16',
    maxLen: '20',
    negatives: '16',
    patience: String(epochs),
  };
  for (const [key, value] of Object.entries(values)) await page.fill(`#set-${key}`, value);
  await page.selectOption('#train-backend', backend);
}

async function importFixture(page: Page, events = 'events.csv'): Promise<void> {
  await page.goto('/train.html');
  await page.setInputFiles('#events-file', join(FIXTURES, events));
  if (events === 'events.csv') await page.setInputFiles('#items-file', join(FIXTURES, 'items.csv'));
  await page.click('#import');
}

test('trains on a dropped log, activates the model, recommends; no request carries the data', async ({ page, context }) => {
  const requests: Request[] = [];
  context.on('request', (request) => requests.push(request));
  await importFixture(page);
  await expect(page.locator('body')).toHaveAttribute('data-train', 'imported');
  await expect(page.locator('#import-summary')).toContainText('80 users, 40 items, 923 events');
  await smallSettings(page, 3);
  await expect(page.locator('#cli-line')).toContainText('--epochs 3 --batch 16');
  // The chart updates while training: validation points appear epoch by epoch. Every change of the
  // chart is recorded in the page (an epoch can pass between two polls of the test).
  await page.evaluate(() => {
    const seen: [number, number][] = [];
    (window as unknown as { chartSeen: [number, number][] }).chartSeen = seen;
    new MutationObserver(() => {
      const chart = document.querySelector('#chart');
      if (!chart) return;
      const state: [number, number] = [Number(chart.getAttribute('data-epochs')), Number(chart.getAttribute('data-points'))];
      const last = seen[seen.length - 1];
      if (!last || last[0] !== state[0] || last[1] !== state[1]) seen.push(state);
    }).observe(document.body, {
      attributes: true,
      subtree: true,
      childList: true,
      attributeFilter: ['data-epochs', 'data-points'],
    });
  });
  await page.click('#train');
  const chart = page.locator('#chart');
  await expect(chart).toHaveAttribute('data-epochs', /^[2-9]/, { timeout: 240_000 });
  const seen = await page.evaluate(() => (window as unknown as { chartSeen: [number, number][] }).chartSeen);
  const pointsAt = (epochs: number): number[] => seen.filter(([e]) => e === epochs).map(([, p]) => p);
  expect(pointsAt(1).length).toBeGreaterThan(0); // epoch 1 was drawn before epoch 2
  expect(Math.max(...pointsAt(2))).toBeGreaterThan(Math.min(...pointsAt(1)));
  await expect(page.locator('#backend-status')).toContainText('WebAssembly');
  await expect(page.locator('#backend-status')).toContainText('pocketrec training kernels');
  await expect(page.locator('body')).toHaveAttribute('data-train', 'done', { timeout: 180_000 });
  await expect(page.locator('#epoch-rows tr')).toHaveCount(3);

  // Test metrics beside both baselines, and the files to download.
  const rows = page.locator('#test-rows tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0).locator('th')).toHaveText('pocketrec decoder');
  await expect(rows.nth(1).locator('th')).toHaveText('popularity');
  await expect(rows.nth(2).locator('th')).toHaveText('co-occurrence');
  for (const row of await rows.all()) await expect(row.locator('td').first()).toHaveText(/^0\.\d{4}$|^1\.0000$/);
  await expect(page.locator('#downloads a')).toHaveText(['manifest.json', 'weights.bin', 'item-embeddings.bin', 'catalog.json']);

  // The normal engine stores and serves it; recommendations come from the trained model.
  await page.click('#activate');
  await expect(page.locator('body')).toHaveAttribute('data-active', 'my-log', { timeout: 120_000 });
  await expect(page.locator('#activate-status')).toContainText('Active in namespace "my-log"');
  await expect(page.locator('#activate-status')).toContainText('40 items');
  await expect(page.locator('#try-recs li')).toHaveCount(10);
  const first = await page.locator('#try-recs li').first().textContent();
  expect(first).toMatch(/ Film \d+$/); // titles from the uploaded items file
  const stored = await page.evaluate(async () => {
    const databases = await indexedDB.databases();
    return databases.map((d) => d.name);
  });
  expect(stored).toContain('pocketrec');

  // No request of the session carried the data: only GETs of the page's own files, no body, and the
  // in-memory model was never fetched.
  expect(requests.length).toBeGreaterThan(0);
  const lines = EVENTS.trim().split('\n').slice(1);
  for (const request of requests) {
    const url = new URL(request.url());
    expect(url.origin === new URL(page.url()).origin || url.protocol === 'blob:' || url.protocol === 'data:', request.url()).toBe(
      true,
    );
    expect(request.method(), request.url()).toBe('GET');
    expect(request.postDataBuffer(), request.url()).toBeNull();
    expect(url.pathname).not.toContain('/trained/');
    const text = decodeURIComponent(request.url() + JSON.stringify(await request.allHeaders()));
    for (const line of [lines[0]!, lines[1]!, lines[lines.length - 1]!]) expect(text).not.toContain(line);
    expect(text).not.toContain('events.csv');
  }
});

test('a malformed log is refused with the file and line; nothing is trained', async ({ page }) => {
  await importFixture(page, 'malformed.csv');
  await expect(page.locator('body')).toHaveAttribute('data-train', 'import-error');
  await expect(page.locator('#import-error h3')).toHaveText('Cannot import malformed.csv, line 7');
  await expect(page.locator('#import-error')).toContainText('timestamp "not-a-date"');
  await expect(page.locator('#train')).toBeDisabled();
});

test('stop keeps the best model so far and still tests and exports it', async ({ page }) => {
  await importFixture(page);
  await expect(page.locator('body')).toHaveAttribute('data-train', 'imported');
  await smallSettings(page, 1000, 'auto');
  await page.click('#train');
  // Automatic trains on WebAssembly (WebGPU training is experimental: docs/training.md).
  await expect(page.locator('#backend-status')).toContainText('Training on WebAssembly');
  const epochs = async (): Promise<number> => Number(await page.locator('#chart').getAttribute('data-epochs'));
  await expect.poll(epochs, { timeout: 120_000 }).toBeGreaterThanOrEqual(2);
  await page.click('#stop');
  await expect(page.locator('body')).toHaveAttribute('data-train', 'done', { timeout: 120_000 });
  await expect(page.locator('#train-status')).toContainText(/kept the best model \(epoch \d+\)|Done: \d+ epochs/);
  expect(await epochs()).toBeLessThan(1000);
  const bestRow = page.locator('#epoch-rows tr', { hasText: 'best so far' }).last();
  await expect(bestRow).toBeVisible();
  await expect(page.locator('#test-rows tr')).toHaveCount(3);
  await expect(page.locator('#downloads a')).toHaveCount(4);
});
