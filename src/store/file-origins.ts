/**
 * Where model files may come from: next to (or below) the manifest, on the manifest's origin, unless
 * the host allows other origins (`modelFileOrigins`). Checked before anything is downloaded, so a
 * manifest cannot make the engine fetch `../` paths or files from an origin the host did not choose.
 */
import { ModelFormatError } from '../errors/errors.ts';
import type { ModelManifest } from '../model/manifest.ts';

/** A `..` path segment, also percent-encoded (URL parsing treats `%2e%2e` as `..`). */
const DOT_DOT = /(^|[/\\])\.\.([/\\?#]|$)/;

/**
 * Throws `ModelFormatError` when a file path of `manifest` climbs out of the manifest's folder or
 * resolves to an origin other than the manifest's and not in `allowedOrigins` (`'*'` allows any).
 */
export function checkFileLocations(manifest: ModelManifest, manifestUrl: string, allowedOrigins: readonly string[] = []): void {
  const base = new URL(manifestUrl);
  const anyOrigin = allowedOrigins.includes('*');
  const allowed = new Set(
    allowedOrigins.map((origin) => {
      try {
        return new URL(origin).origin;
      } catch {
        return origin;
      }
    }),
  );
  for (const entry of manifest.files) {
    if (DOT_DOT.test(entry.path.replace(/%2e/gi, '.'))) {
      throw new ModelFormatError(
        `The manifest lists the file ${JSON.stringify(entry.path)}, which climbs out of the model's folder ('..'). Model files must sit next to manifest.json or below it; re-export the model.`,
        { role: entry.role, path: entry.path, reason: 'path-traversal' },
      );
    }
    const url = new URL(entry.path, base);
    if (url.origin !== base.origin && !anyOrigin && !allowed.has(url.origin)) {
      throw new ModelFormatError(
        `The manifest's ${entry.role} file is on ${url.origin}, not on the manifest's origin ${base.origin}. Model files must come from the manifest's origin unless the host allows that origin (modelFileOrigins).`,
        { role: entry.role, url: url.href, reason: 'cross-origin' },
      );
    }
  }
}
