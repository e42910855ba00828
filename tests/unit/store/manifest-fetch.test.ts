import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/errors/errors.ts';
import { ARTIFACT_LIMITS } from '../../../src/model/manifest.ts';
import { fetchManifest } from '../../../src/store/download.ts';

const URL_ = 'https://cdn.test/m/manifest.json';

describe('fetchManifest', () => {
  it('names an HTML answer (a dev server index.html for a missing path) as not a model manifest', async () => {
    const html = '<!DOCTYPE html><html><head><title>pocketrec</title></head><body></body></html>';
    const error = await fetchManifest(URL_, async () => new Response(html, { status: 200 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as ModelFormatError).details).toMatchObject({ reason: 'html', url: URL_ });
    expect((error as Error).message).toMatch(/not a pocketrec model manifest: check the URL/);
  });

  it('refuses a huge body after reading little more than the limit', async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    const chunks = 64; // 64 MiB on offer
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled++ === chunks) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const error = await fetchManifest(URL_, async () => new Response(body, { status: 200 })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as ModelFormatError).details).toMatchObject({ reason: 'too-large' });
    expect(pulled).toBeLessThanOrEqual(ARTIFACT_LIMITS.maxManifestBytes / chunk.byteLength + 3);
  });
});
