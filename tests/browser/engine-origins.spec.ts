/**
 * Model files come from the manifest's origin only (issue 15, item 9): a manifest whose file is an
 * absolute URL on another origin, or a `../` path, is refused with `ModelFormatError` before anything
 * is fetched; a host that lists the other origin in `modelFileOrigins` can load it.
 */
import { expect, test } from '@playwright/test';
import { TEST_PORT } from '../../playwright.config.ts';
import { openEnginePage, serveModels, servedTinyModel, type ServedModel } from './engine-fixtures.ts';

/** `model` under another prefix with its weights path rewritten in the manifest. */
function withWeightsPath(model: ServedModel, prefix: string, path: string): ServedModel {
  const manifest = JSON.parse(new TextDecoder().decode(model.files.get('manifest.json')!)) as {
    files: { role: string; path: string }[];
  };
  for (const file of manifest.files) if (file.role === 'weights') file.path = path;
  const files = new Map(model.files);
  files.set('manifest.json', new TextEncoder().encode(JSON.stringify(manifest)));
  return { prefix, files };
}

test('model files from another origin or outside the model folder are refused unless the host allows the origin', async ({
  page,
  context,
}) => {
  const v1 = await servedTinyModel('v1', 1);
  const otherOrigin = `http://localhost:${TEST_PORT}`;
  const crossOrigin = withWeightsPath(v1, '/test-models/cross/', `${otherOrigin}/test-models/v1/weights.bin`);
  const climbing = withWeightsPath(v1, '/test-models/climb/', '../v1/weights.bin');
  const net = { offline: false, requests: [] as string[] };
  await serveModels(context, [v1, crossOrigin, climbing], net);
  await openEnginePage(page);

  const refused = await page.evaluate(() =>
    window.engineTest.create('x', { modelUrl: '/test-models/cross/manifest.json', namespace: 'origins', backend: 'wasm' }),
  );
  expect(refused.ok).toBe(false);
  if (!refused.ok) expect(refused.error).toMatchObject({ className: 'ModelFormatError', details: { reason: 'cross-origin' } });
  const climbed = await page.evaluate(() =>
    window.engineTest.create('c', { modelUrl: '/test-models/climb/manifest.json', namespace: 'origins', backend: 'wasm' }),
  );
  expect(climbed.ok).toBe(false);
  if (!climbed.ok) expect(climbed.error).toMatchObject({ className: 'ModelFormatError', details: { reason: 'path-traversal' } });
  expect(net.requests).not.toContain('/test-models/v1/weights.bin'); // nothing was fetched from where they point
  expect(await page.evaluate(() => window.engineTest.inspectStore('origins'))).toEqual({
    active: null,
    versions: [],
    chunkVersions: [],
  });

  // The host allows the other origin: the same manifest loads.
  const allowed = await page.evaluate(
    (origin) =>
      window.engineTest.create('ok', {
        modelUrl: '/test-models/cross/manifest.json',
        namespace: 'origins',
        backend: 'wasm',
        modelFileOrigins: [origin],
      }),
    otherOrigin,
  );
  expect(allowed.ok, JSON.stringify(allowed)).toBe(true);
  expect(net.requests).toContain('/test-models/v1/weights.bin');
});
