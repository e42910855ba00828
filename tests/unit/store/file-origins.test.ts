import { describe, expect, it } from 'vitest';
import { ModelFormatError } from '../../../src/errors/errors.ts';
import type { ModelManifest } from '../../../src/model/manifest.ts';
import { checkFileLocations } from '../../../src/store/file-origins.ts';

const manifestWith = (path: string) =>
  ({ files: [{ role: 'weights', path, bytes: 1, sha256: '0'.repeat(64) }] }) as unknown as ModelManifest;
const URL_ = 'https://models.example/app/v1/manifest.json';

function reason(path: string, allowed?: string[]): string | undefined {
  try {
    checkFileLocations(manifestWith(path), URL_, allowed);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ModelFormatError);
    return (error as ModelFormatError).details.reason as string;
  }
}

describe('checkFileLocations', () => {
  it('accepts files next to or below the manifest, and root paths on its origin', () => {
    expect(reason('weights.bin')).toBeUndefined();
    expect(reason('files/weights.bin')).toBeUndefined();
    expect(reason('/shared/weights.bin')).toBeUndefined();
    expect(reason('https://models.example/elsewhere/weights.bin')).toBeUndefined();
  });

  it("rejects '..' paths, also percent-encoded", () => {
    for (const path of ['../v0/weights.bin', 'a/../../weights.bin', '%2e%2e/weights.bin', '.%2E/weights.bin', '..\\weights.bin'])
      expect(reason(path), path).toBe('path-traversal');
  });

  it('rejects other origins unless the host allows them', () => {
    expect(reason('https://evil.example/weights.bin')).toBe('cross-origin');
    expect(reason('//evil.example/weights.bin')).toBe('cross-origin');
    expect(reason('http://models.example/app/v1/weights.bin')).toBe('cross-origin'); // another scheme is another origin
    expect(reason('https://cdn.example/w.bin', ['https://cdn.example'])).toBeUndefined();
    expect(reason('https://cdn.example/w.bin', ['https://cdn.example/'])).toBeUndefined();
    expect(reason('https://other.example/w.bin', ['https://cdn.example'])).toBe('cross-origin');
    expect(reason('https://anything.example/w.bin', ['*'])).toBeUndefined();
  });
});
