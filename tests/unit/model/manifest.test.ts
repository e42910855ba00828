import { describe, expect, it } from 'vitest';
import { ModelFormatError, ModelIntegrityError } from '../../../src/errors/errors.ts';
import {
  ARTIFACT_LIMITS,
  modelVersionOf,
  parseManifest,
  validateManifest,
  verifyFiles,
  type ArtifactRole,
  type ModelManifest,
} from '../../../src/model/manifest.ts';
import { sha256Hex } from '../../../src/util/sha256.ts';
import { buildSyntheticModel } from '../../../src/bench/synthetic-model.ts';
import { tinyModel } from '../../fixtures/engine/tiny-model.ts';

const BASE = 'https://cdn.test/tiny/';

async function tiny() {
  const { bodies, manifestUrl } = await tinyModel(BASE, 3, 12);
  const text = new TextDecoder().decode(bodies.get(manifestUrl));
  const manifest = JSON.parse(text) as ModelManifest;
  const files = new Map<ArtifactRole, ArrayBuffer>();
  for (const f of manifest.files) files.set(f.role, bodies.get(new URL(f.path, BASE).toString())!.slice().buffer);
  return { text, manifest, files };
}

/** A deep copy of the manifest JSON, edited by `edit`, validated. */
function validateEdited(
  manifest: ModelManifest,
  edit: (m: ModelManifest & { model: { decoder: Record<string, unknown> } }) => void,
) {
  const copy = JSON.parse(JSON.stringify(manifest)) as ModelManifest & { model: { decoder: Record<string, unknown> } };
  edit(copy);
  return () => validateManifest(copy, 'm.json');
}

describe('validateManifest', () => {
  it('accepts what buildArtifacts exports, unchanged (the tiny test model and the synthetic bench model)', async () => {
    const { text, manifest } = await tiny();
    expect(parseManifest(text, 'm.json')).toEqual(manifest);
    const synthetic = await buildSyntheticModel({ itemCount: 50, dim: 8, blocks: 1, maxLen: 8 });
    const syntheticText = new TextDecoder().decode(synthetic.get('manifest.json'));
    expect(parseManifest(syntheticText, 'synthetic')).toEqual(JSON.parse(syntheticText));
  });

  it('refuses an absurd itemCount before anything is downloaded: sizes must match the config', async () => {
    const { manifest } = await tiny();
    // The issue-15 probe: itemCount (and the decoder's) raised, files unchanged.
    const claim = validateEdited(manifest, (m) => {
      m.itemCount = 3_000_000;
      m.model.decoder.itemCount = 3_000_000;
    });
    expect(claim).toThrow(ModelFormatError);
    expect(claim).toThrow(/item-embeddings .* has \d+ bytes, but itemCount 3000000 x embeddingDim 16 x 4 = 192000000/);
    // Past the limit, even with sizes that agree.
    const limit = validateEdited(manifest, (m) => {
      m.itemCount = 100_000_000;
    });
    expect(limit).toThrow(new RegExp(`itemCount 100000000 is not an integer in 1..${ARTIFACT_LIMITS.maxItemCount}`));
    const huge = validateEdited(manifest, (m) => {
      m.files[0]!.bytes = 5e9;
    });
    expect(huge).toThrow(/bytes 5000000000 is not an integer/);
  });

  it('checks the weights file against the tensor table and the decoder config', async () => {
    const { manifest } = await tiny();
    expect(
      validateEdited(manifest, (m) => {
        m.tensors[0]!.byteOffset = m.files.find((f) => f.role === 'weights')!.bytes;
      }),
    ).toThrow(/does not fit in the \d+-byte weights file/);
    expect(
      validateEdited(manifest, (m) => {
        m.files.find((f) => f.role === 'weights')!.bytes += 400;
        m.tensors = m.tensors.map((t) => ({ ...t }));
      }),
    ).toThrow(/tensors use only/);
    expect(
      validateEdited(manifest, (m) => {
        m.tensors = m.tensors.filter((t) => t.name !== 'token.position');
      }),
    ).toThrow(/token.position is missing|tensors use only/);
    expect(
      validateEdited(manifest, (m) => {
        m.model.decoder.maxLen = 1_000_000;
      }),
    ).toThrow(/tensor token.position has shape \[24, 16\], the decoder config needs \[1000000, 16\]/);
    expect(
      validateEdited(manifest, (m) => {
        m.model.decoder.blocks = 1e9;
      }),
    ).toThrow(/blocks 1000000000 is absurd/);
    expect(
      validateEdited(manifest, (m) => {
        m.embeddingDim = 8;
      }),
    ).toThrow(/item-embeddings/);
  });

  it('names the first structural problem', async () => {
    const { manifest } = await tiny();
    const cases: [(m: ModelManifest) => void, RegExp][] = [
      [(m) => void ((m as { format: string }).format = 'other'), /format is "other"/],
      [(m) => void (m.formatVersion = 2), /formatVersion 2 is not supported/],
      [(m) => void (m.modelVersion = '../x'), /modelVersion/],
      [(m) => void (m.files[0]!.sha256 = 'abc'), /has no valid sha256/],
      [(m) => void ((m.files[0] as { role: string }).role = 'secret'), /unknown role "secret"/],
      [(m) => void (m.files = m.files.filter((f) => f.role !== 'weights')), /no file has role "weights"/],
      [(m) => void (m.outcomes = []), /outcomes must be 1 to/],
      [(m) => void (m.outcomes = ['a', 'b']), /outcomeCount 3 but 2 outcomes/],
    ];
    for (const [edit, message] of cases) {
      const run = validateEdited(manifest, edit);
      expect(run).toThrow(ModelFormatError);
      expect(run).toThrow(message);
    }
    expect(() => validateManifest([], 'm.json')).toThrow(/not a JSON object/);
  });
});

describe('parseManifest', () => {
  it('names an HTML page (a dev server answering a missing file with index.html) as such', () => {
    const html = '<!doctype html>\n<html lang="en"><head><script type="module" src="/src/demo/main.ts"></script></head></html>';
    const error = (() => {
      try {
        parseManifest(html, '/models/missing/manifest.json');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ModelFormatError);
    expect((error as ModelFormatError).details).toMatchObject({ reason: 'html', url: '/models/missing/manifest.json' });
    expect((error as Error).message).toMatch(/is an HTML page, not a pocketrec model manifest: check the URL/);
  });

  it('says "not valid JSON" for other text', () => {
    expect(() => parseManifest('{"format": ', 'x.json')).toThrow(/x.json is not valid JSON/);
  });
});

describe('verifyFiles', () => {
  it('passes the exported files and rejects a missing, cut-off or altered one with ModelIntegrityError', async () => {
    const { manifest, files } = await tiny();
    await verifyFiles(manifest, files);
    const reasonOf = async (edit: (f: Map<ArtifactRole, ArrayBuffer>) => void) => {
      const copy = new Map(files);
      edit(copy);
      const error = await verifyFiles(manifest, copy).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelIntegrityError);
      return (error as ModelIntegrityError).details.reason;
    };
    expect(await reasonOf((f) => f.delete('catalog'))).toBe('missing');
    expect(await reasonOf((f) => f.set('weights', f.get('weights')!.slice(0, 100)))).toBe('truncated');
    expect(
      await reasonOf((f) => {
        const altered = new Uint8Array(f.get('item-embeddings')!.slice(0));
        altered[5] = altered[5]! ^ 1;
        f.set('item-embeddings', altered.buffer);
      }),
    ).toBe('hash-mismatch');
  });
});

describe('modelVersionOf', () => {
  it('is what buildArtifacts writes, and changes when any one file changes', async () => {
    const { manifest } = await tiny();
    expect(manifest.modelVersion).toBe(await modelVersionOf(manifest.files));
    const versions = new Set([manifest.modelVersion]);
    for (let i = 0; i < manifest.files.length; i++) {
      const files = manifest.files.map((f, j) => (j === i ? { ...f } : f));
      files[i]!.sha256 = await sha256Hex(new TextEncoder().encode(`changed ${i}`));
      versions.add(await modelVersionOf(files));
    }
    expect(versions.size).toBe(manifest.files.length + 1);
  });
});
