/**
 * Shared pieces of the engine specs: serving in-memory models through Playwright routes (so fault
 * cases need no files in the repo), and typed access to the test page's `window.engineTest`.
 */
import type { BrowserContext, Page } from '@playwright/test';
import { tinyModel } from '../fixtures/engine/tiny-model.ts';

/** The model the project ships (exported by `pocketrec train`, served from public/). */
export const SHIPPED_MODEL_URL = '/models/ml-latest-small/manifest.json';

/** Path -> bytes of a served model. */
export type ServedModel = { prefix: string; files: Map<string, Uint8Array> };

/** A tiny real model (random weights) under `/test-models/<name>/`; `titleOf` and `options` as in `tinyModel`. */
export async function servedTinyModel(
  name: string,
  seed: number,
  titleOf?: (index: number) => string,
  options?: { ranking?: boolean },
): Promise<ServedModel> {
  const base = `http://127.0.0.1/test-models/${name}/`;
  const { bodies } = await tinyModel(base, seed, undefined, titleOf, options);
  const files = new Map<string, Uint8Array>();
  for (const [url, bytes] of bodies) files.set(new URL(url).pathname.split('/').pop()!, bytes);
  return { prefix: `/test-models/${name}/`, files };
}

/**
 * Serves models under /test-models/ on the context (so requests from workers are covered too).
 * `state.offline` makes every /test-models/ and /models/ request fail like a dead network.
 */
export async function serveModels(
  context: BrowserContext,
  models: ServedModel[],
  state: { offline: boolean; requests: string[] },
): Promise<void> {
  await context.route(/\/(test-models|models)\//, async (route) => {
    const url = new URL(route.request().url());
    state.requests.push(url.pathname);
    if (state.offline) return route.abort('internetdisconnected');
    const model = models.find((m) => url.pathname.startsWith(m.prefix));
    if (!model) return route.fallback();
    const body = model.files.get(url.pathname.slice(model.prefix.length));
    if (!body) return route.fulfill({ status: 404, body: 'not found' });
    return route.fulfill({
      status: 200,
      body: Buffer.from(body),
      contentType: url.pathname.endsWith('.json') ? 'application/json' : 'application/octet-stream',
      headers: { 'access-control-allow-origin': '*' }, // tests also serve model files to other origins
    });
  });
}

/** Opens the engine test page and waits for it. */
export async function openEnginePage(page: Page, path = '/tests/pages/engine.html'): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(path);
  await page.locator('#status').filter({ hasText: 'ready' }).waitFor({ timeout: 30_000 });
  if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
}

/** Flips one byte of a file (a corrupt copy with the right size). */
export function corruptFile(model: ServedModel, path: string): void {
  const bytes = model.files.get(path)!.slice();
  bytes[Math.floor(bytes.length / 2)] = bytes[Math.floor(bytes.length / 2)]! ^ 0xff;
  model.files.set(path, bytes);
}

/** Keeps the first half of a file (a download cut off midway). */
export function truncateFile(model: ServedModel, path: string): void {
  const bytes = model.files.get(path)!;
  model.files.set(path, bytes.slice(0, Math.floor(bytes.length / 2)));
}
