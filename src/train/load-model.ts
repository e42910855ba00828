/**
 * Node loading of exported model artifacts (reads files; the browser fetches them instead). The
 * `pocketrec eval --model <dir or manifest.json>` factory that uses it lives in src/eval/recommenders.ts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadDecoder, type LoadedDecoder } from '../model/artifacts.ts';
import { parseManifest, verifyFiles, type ArtifactRole, type ModelManifest } from '../model/manifest.ts';
import { setupTrainingBackend } from './backend.ts';

/**
 * Reads manifest.json (path to it or to its folder), validates it (src/model/manifest.ts: the same
 * checks as the browser loader) and reads every file it lists, checking sizes and sha256.
 */
export async function readArtifacts(
  path: string,
): Promise<{ manifest: ModelManifest; files: Map<ArtifactRole, ArrayBuffer>; dir: string }> {
  const manifestPath = existsSync(path) && statSync(path).isDirectory() ? join(path, 'manifest.json') : path;
  if (!existsSync(manifestPath)) throw new Error(`no model manifest at ${manifestPath}`);
  const manifest = parseManifest(readFileSync(manifestPath, 'utf8'), manifestPath);
  const dir = dirname(manifestPath);
  const files = new Map<ArtifactRole, ArrayBuffer>();
  for (const f of manifest.files) {
    const filePath = join(dir, f.path);
    if (!existsSync(filePath)) throw new Error(`${filePath} (${f.role}) is listed in ${manifestPath} but does not exist`);
    const bytes = readFileSync(filePath);
    files.set(f.role, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  }
  await verifyFiles(manifest, files, (entry) => join(dir, entry.path));
  return { manifest, files, dir };
}

/** Loads a decoder from exported artifacts on the wasm backend. */
export async function loadDecoderFromDisk(path: string): Promise<LoadedDecoder & { manifest: ModelManifest }> {
  await setupTrainingBackend();
  const { manifest, files } = await readArtifacts(path);
  return { ...loadDecoder(manifest, files), manifest };
}
