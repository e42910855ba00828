/**
 * A long `record` batch in the browser worker (issue 15, item 3): 200,000 events are recorded
 * completely (history, status, session and a second worker agree) or not at all; they used to be
 * stored and then fail with "Maximum call stack size exceeded", so a retry duplicated them.
 */
import { expect, test } from '@playwright/test';
import { openEnginePage, serveModels, servedTinyModel } from './engine-fixtures.ts';

const BATCH = 200_000;

test('a record of 200,000 events in the worker is all or nothing', async ({ page, context }) => {
  test.setTimeout(300_000);
  const v1 = await servedTinyModel('v1', 1);
  await serveModels(context, [v1], { offline: false, requests: [] });
  await openEnginePage(page);
  const created = await page.evaluate(() =>
    window.engineTest.create('big', { modelUrl: '/test-models/v1/manifest.json', namespace: 'big', backend: 'wasm' }),
  );
  expect(created.ok, JSON.stringify(created)).toBe(true);
  await page.evaluate(() => window.engineTest.call('big', 'record', [{ itemId: 'i1', outcome: 'love', time: 1_600_000_000 }]));

  const result = await page.evaluate(
    (n) =>
      window.engineTest.call(
        'big',
        'record',
        Array.from({ length: n }, (_, i) => ({
          itemId: `i${(i % 40) + 1}`,
          outcome: ['dislike', 'watch', 'love'][i % 3]!,
          time: 1_700_000_000 + i,
        })),
      ),
    BATCH,
  );
  // Straight from IndexedDB: the number of stored events and the last one (200,000 events need not
  // cross the worker boundary or reach Node).
  const history = await page.evaluate(
    () =>
      new Promise<{ ok: true; value: { length: number; last: unknown } }>((resolve, reject) => {
        const open = indexedDB.open('pocketrec');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const index = db.transaction('history').objectStore('history').index('by-namespace');
          const count = index.count(IDBKeyRange.only('big'));
          const cursor = index.openCursor(IDBKeyRange.only('big'), 'prev');
          cursor.onsuccess = () => {
            const last = cursor.result?.value as { itemId: string; outcome: string; time: number } | undefined;
            db.close();
            resolve({
              ok: true,
              value: { length: count.result, last: last && { itemId: last.itemId, outcome: last.outcome, time: last.time } },
            });
          };
          cursor.onerror = () => reject(cursor.error);
        };
      }),
  );
  const length = history.ok ? history.value.length : -1;
  // All or nothing: whatever the outcome, the stored history never holds part of the batch.
  expect([1, 1 + BATCH]).toContain(length);
  expect(result.ok, JSON.stringify(result).slice(0, 500)).toBe(true);
  if (!result.ok || !history.ok) return;
  expect(result.value.recorded).toBe(BATCH);
  expect(result.value.tokensComputed).toBe(result.value.sessionLength); // the window the session holds
  expect(history.value.last).toEqual({
    itemId: 'i40',
    outcome: ['dislike', 'watch', 'love'][(BATCH - 1) % 3],
    time: 1_700_000_000 + BATCH - 1,
  });
  const status = await page.evaluate(() => window.engineTest.call('big', 'status'));
  expect(status.ok && status.value.historyLength).toBe(1 + BATCH);
  const recommended = await page.evaluate(() => window.engineTest.call('big', 'recommend', { k: 5, excludeSeen: false }));
  expect(recommended.ok && recommended.value.items).toHaveLength(5);

  // A second worker reads the same history back from IndexedDB.
  const again = await page.evaluate(() =>
    window.engineTest.create('big2', { modelUrl: '/test-models/v1/manifest.json', namespace: 'big', backend: 'wasm' }),
  );
  expect(again.ok && again.value.status.historyLength).toBe(1 + BATCH);
});
