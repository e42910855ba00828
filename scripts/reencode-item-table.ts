/**
 * Copies a model folder to a new folder with its `item-embeddings.bin` re-encoded (fp32, fp16 or int8
 * with a per-row scale, src/model/item-table.ts), the manifest's `itemEmbeddingEncoding`, file entry
 * and `modelVersion` updated, and the result validated and loaded like a loader would. The source
 * folder is not touched. Used to measure the compact tables on the shipped model (docs/benchmarks.md):
 *
 *   node --import tsx scripts/reencode-item-table.ts public/models/ml-latest-small runs/mls-int8 int8
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  decodeItemTable,
  encodeItemTable,
  itemEncodingOf,
  parseItemEncoding,
  ITEM_PRECISIONS,
  type ItemPrecision,
} from '../src/model/item-table.ts';
import { modelVersionOf, validateManifest, verifyFiles, type ArtifactRole, type ModelManifest } from '../src/model/manifest.ts';
import { sha256Hex } from '../src/util/sha256.ts';

const [from, to, precision] = process.argv.slice(2);
if (!from || !to || !ITEM_PRECISIONS.includes(precision as ItemPrecision)) {
  console.error('usage: node --import tsx scripts/reencode-item-table.ts <model folder> <new folder> fp32|fp16|int8');
  process.exit(2);
}
const manifest = validateManifest(JSON.parse(readFileSync(join(from, 'manifest.json'), 'utf8')), join(from, 'manifest.json'));
const encoding = parseItemEncoding(manifest.itemEmbeddingEncoding);
if (typeof encoding === 'string') throw new Error(encoding);
mkdirSync(to, { recursive: true });
const files = new Map<ArtifactRole, ArrayBuffer>();
for (const entry of manifest.files) {
  const raw = readFileSync(join(from, entry.path));
  let bytes: Uint8Array = raw;
  if (entry.role === 'item-embeddings') {
    const values = decodeItemTable(
      raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer,
      manifest.itemCount,
      manifest.embeddingDim,
      encoding,
    );
    bytes = encodeItemTable(values, manifest.itemCount, manifest.embeddingDim, itemEncodingOf(precision as ItemPrecision));
    writeFileSync(join(to, entry.path), bytes);
    console.log(`${entry.path}: ${raw.byteLength} B (${encoding.type}) -> ${bytes.byteLength} B (${precision})`);
  } else copyFileSync(join(from, entry.path), join(to, entry.path));
  entry.bytes = bytes.byteLength;
  entry.sha256 = await sha256Hex(bytes);
  files.set(entry.role, bytes.slice().buffer);
}
const next: ModelManifest = { ...manifest };
delete next.itemEmbeddingEncoding;
if (precision !== 'fp32') next.itemEmbeddingEncoding = itemEncodingOf(precision as ItemPrecision);
next.modelVersion = await modelVersionOf(next.files);
validateManifest(next, join(to, 'manifest.json'));
await verifyFiles(next, files, (entry) => join(to, entry.path));
writeFileSync(join(to, 'manifest.json'), `${JSON.stringify(next, null, 2)}\n`);
console.log(`${join(to, 'manifest.json')}: modelVersion ${manifest.modelVersion} -> ${next.modelVersion}`);
