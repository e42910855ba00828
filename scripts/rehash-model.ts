/**
 * Re-writes a model folder's manifest.json after its files changed or after the versioning rule
 * changed: recomputes every file entry's size and sha256 from the files on disk and the
 * `modelVersion` from them (src/model/manifest.ts `modelVersionOf`), keeps everything else, validates
 * the result like a loader would and writes it atomically. The files themselves are not touched.
 *
 *   node --import tsx scripts/rehash-model.ts public/models/ml-latest-small
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelVersionOf, validateManifest, verifyFiles, type ArtifactRole, type ModelManifest } from '../src/model/manifest.ts';
import { sha256Hex } from '../src/util/sha256.ts';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node --import tsx scripts/rehash-model.ts <model folder>');
  process.exit(2);
}
const manifestPath = join(dir, 'manifest.json');
const text = readFileSync(manifestPath, 'utf8');
const old = JSON.parse(text) as ModelManifest;
const files = new Map<ArtifactRole, ArrayBuffer>();
for (const entry of old.files) {
  const bytes = readFileSync(join(dir, entry.path));
  files.set(entry.role, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  entry.bytes = bytes.byteLength;
  entry.sha256 = await sha256Hex(bytes);
}
const previous = old.modelVersion;
old.modelVersion = await modelVersionOf(old.files);
const manifest = validateManifest(old, manifestPath);
await verifyFiles(manifest, files, (entry) => join(dir, entry.path));
writeFileSync(`${manifestPath}.tmp`, `${JSON.stringify(manifest, null, 2)}\n`);
renameSync(`${manifestPath}.tmp`, manifestPath);
console.log(`${manifestPath}: modelVersion ${previous} -> ${manifest.modelVersion}`);
