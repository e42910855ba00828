/**
 * Two tabs of one origin installing the same model version at once (issue 15, item 1). Tab B starts
 * loading v2 over a slow download; tab A loads v2 too; then B fails while storing (quota), is
 * aborted mid-write, or is closed mid-write. A's model must end up active, complete, and serving
 * offline. Before the fix B's staging deleted the version A had just activated, leaving `active: v2`
 * with no data ("No copy of the model is stored" offline).
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { openEnginePage, serveModels, servedTinyModel, type ServedModel } from './engine-fixtures.ts';

let v2: ServedModel;
test.beforeAll(async () => {
  v2 = await servedTinyModel('v2', 2);
});

/** True once some context of the origin waits for a pocketrec lock of `namespace`. */
async function lockPending(page: Page, namespace: string): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(
          async (ns) => ((await navigator.locks.query()).pending ?? []).some((lock) => lock.name?.endsWith(`:${ns}`)),
          namespace,
        ),
      { timeout: 60_000 },
    )
    .toBe(true);
}

async function twoTabs(context: BrowserContext, fault: 'quota' | 'abort' | 'close') {
  const namespace = `xtab-${fault}`;
  const net = { offline: false, requests: [] as string[] };
  // The same model under a second path whose weights are held until `release()`: B's slow download.
  const slow: ServedModel = { prefix: '/test-models/v2-slow/', files: v2.files };
  await serveModels(context, [v2, slow], net);
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held!: () => void;
  const holding = new Promise<void>((resolve) => (held = resolve));
  await context.route('**/test-models/v2-slow/weights.bin', async (route) => {
    held();
    await released;
    await route.fallback();
  });

  const pageA = await context.newPage();
  const pageB = await context.newPage();
  await openEnginePage(pageA);
  await openEnginePage(pageB);
  if (fault === 'quota') await pageB.evaluate(() => window.engineTest.armQuotaFault(0));
  const bDone = pageB
    .evaluate((o) => window.engineTest.create('b', o), {
      modelUrl: '/test-models/v2-slow/manifest.json',
      namespace,
      backend: 'wasm' as const,
      engine: 'in-page' as const,
      faultOnFirstChunkWrite: fault === 'abort' ? ('abort' as const) : fault === 'close' ? ('hang' as const) : undefined,
    })
    .catch((error: unknown) => ({ ok: false as const, closed: String(error) }));
  await holding; // B is downloading
  const aDone = pageA.evaluate(
    (ns) => window.engineTest.create('a', { modelUrl: '/test-models/v2/manifest.json', namespace: ns, backend: 'wasm' }),
    namespace,
  );
  // A either completes now (no cross-tab lock) or waits for the lock B holds; go on in both cases.
  await Promise.race([aDone, lockPending(pageA, namespace)]);
  const chunkWrite =
    fault === 'close' ? pageB.waitForEvent('console', (m) => m.text() === 'pocketrec-test: chunk write') : undefined;
  release();
  if (chunkWrite) {
    await chunkWrite;
    await pageB.close({ runBeforeUnload: false }); // the tab goes away in the middle of storing
  } else {
    const b = await bDone;
    expect(b.ok).toBe(false);
    if (!b.ok && 'error' in b) expect(b.error.className).toBe(fault === 'quota' ? 'QuotaExceededError' : 'AbortError');
  }

  const a = await aDone;
  expect(a.ok, JSON.stringify(a)).toBe(true);
  if (!a.ok) return;
  const version = a.value.status.modelVersion;
  const stored = await pageA.evaluate((ns) => window.engineTest.inspectStore(ns), namespace);
  expect(stored.active).toBe(version);
  expect(stored.versions).toContainEqual({ modelVersion: version, complete: true });
  expect(stored.chunkVersions).toContain(version);
  const recommended = await pageA.evaluate(() =>
    window.engineTest
      .call('a', 'record', [{ itemId: 'i3', outcome: 'love', time: 1_700_000_000 }])
      .then(() => window.engineTest.call('a', 'recommend', { k: 3 })),
  );
  expect(recommended.ok && recommended.value.items).toHaveLength(3);

  // Reopened offline, the stored copy serves.
  net.offline = true;
  const offline = await pageA.evaluate(
    (ns) => window.engineTest.create('offline', { modelUrl: '/test-models/v2/manifest.json', namespace: ns, backend: 'wasm' }),
    namespace,
  );
  expect(offline.ok, JSON.stringify(offline)).toBe(true);
  expect(offline.ok && offline.value.status).toMatchObject({ modelSource: 'storage', modelVersion: version, historyLength: 1 });
}

test('two tabs install the same version; the one failing by quota leaves the other complete and offline-ready', async ({
  context,
}) => {
  await twoTabs(context, 'quota');
});

test('two tabs install the same version; the one aborted mid-write leaves the other complete and offline-ready', async ({
  context,
}) => {
  await twoTabs(context, 'abort');
});

test('two tabs install the same version; the one closed mid-write leaves the other complete and offline-ready', async ({
  context,
}) => {
  await twoTabs(context, 'close');
});
