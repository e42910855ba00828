/**
 * `pocketrec export-model`: copies an exported model folder (manifest.json and every file it lists)
 * into a host app's static folder, re-verifying each file's size and sha256 on the way. `--demo` takes
 * the demo model shipped in the package (MovieLens latest-small). Everything is checked before
 * anything is written, so a bad source leaves the destination as it was.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliError, formatUsage, UsageError, type OptionTable, type ParsedArgs } from '../args.ts';
import { MANIFEST_FORMAT, MANIFEST_FORMAT_VERSION, type ModelManifest } from '../../model/manifest.ts';
import { writeFilesAtomic } from '../../util/node-fs.ts';

export const summary = 'Copy a model (or the shipped demo model) into your app, re-verifying every file';

export const options: OptionTable = {
  demo: { type: 'boolean', help: 'copy the demo model shipped in the package (MovieLens latest-small, ~8 MB)' },
  json: { type: 'boolean', help: 'print the result as JSON' },
};

/** `export-model [<manifest.json | model folder>] <destination folder>` */
export const maxPositionals = 2;

export const usage = formatUsage(
  'Usage: pocketrec export-model <manifest.json | model folder> <destination folder>\n       pocketrec export-model --demo <destination folder>',
  options,
  'Example: npx pocketrec export-model --demo public/model\n  then createRecommender({ modelUrl: "/model/manifest.json" }) in your app.',
);

/** The demo model folder inside the package (found from this file, in src/ or dist/cli/). */
export function demoModelDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'public', 'models', 'ml-latest-small', 'manifest.json');
    if (existsSync(candidate)) return dirname(candidate);
    const parent = dirname(dir);
    if (parent === dir) throw new CliError('the demo model is not in this installation (public/models/ml-latest-small)');
    dir = parent;
  }
}

/** What was copied. */
export interface ExportModelResult {
  source: string;
  destination: string;
  modelVersion: string;
  files: { path: string; bytes: number }[];
  bytes: number;
}

function readManifest(path: string): ModelManifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(text) as ModelManifest;
  } catch {
    throw new CliError(`${path} is not JSON; give the manifest.json that \`pocketrec train\` exported`);
  }
  if (manifest?.format !== MANIFEST_FORMAT)
    throw new CliError(`${path} is not a pocketrec model manifest (format "${String(manifest?.format)}")`);
  if (manifest.formatVersion !== MANIFEST_FORMAT_VERSION)
    throw new CliError(
      `${path}: model format version ${manifest.formatVersion}; this pocketrec reads ${MANIFEST_FORMAT_VERSION}`,
    );
  if (!Array.isArray(manifest.files) || manifest.files.length === 0) throw new CliError(`${path} lists no files`);
  return manifest;
}

/**
 * Copies and re-verifies the model whose manifest is `manifestPath` into `destination`. Throws
 * `CliError` (nothing written) when the manifest or any file is missing, unsafe or does not match.
 */
export function exportModel(manifestPath: string, destination: string): ExportModelResult {
  const manifest = readManifest(manifestPath);
  const sourceDir = dirname(manifestPath);
  const contents: { path: string; data: Buffer }[] = [];
  for (const entry of manifest.files) {
    const target = resolve(sourceDir, entry.path);
    if (relative(sourceDir, target).startsWith('..') || entry.path.includes('\\'))
      throw new CliError(`manifest file path "${entry.path}" leaves the model folder`);
    let data: Buffer;
    try {
      data = readFileSync(target);
    } catch {
      throw new CliError(`${entry.path} (listed in the manifest) is missing from ${sourceDir}`);
    }
    if (data.byteLength !== entry.bytes)
      throw new CliError(
        `${entry.path}: ${data.byteLength} bytes, the manifest says ${entry.bytes}; the model folder is damaged`,
      );
    const sha = createHash('sha256').update(data).digest('hex');
    if (sha !== entry.sha256)
      throw new CliError(`${entry.path}: sha256 does not match the manifest; the model folder is damaged`);
    contents.push({ path: entry.path, data });
  }
  if (existsSync(destination) && !statSync(destination).isDirectory())
    throw new CliError(`${destination} exists and is not a folder`);
  // Every file is written under a temporary name first and renamed only once all are written, the
  // manifest last: a failure while writing leaves the files already there as they were.
  const writes = [...contents, { path: 'manifest.json', data: readFileSync(manifestPath) }].map(({ path, data }) => ({
    path: join(destination, ...path.split('/')),
    data,
  }));
  for (const { path } of writes) mkdirSync(dirname(path), { recursive: true });
  writeFilesAtomic(writes, '.partial');
  const files = contents.map(({ path, data }) => ({ path, bytes: data.byteLength }));
  return {
    source: sourceDir,
    destination,
    modelVersion: manifest.modelVersion,
    files,
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
  };
}

export async function run(args: ParsedArgs): Promise<number> {
  const demo = args.flags.has('demo');
  const positionals = args.positionals;
  if (positionals.length !== (demo ? 1 : 2))
    throw new UsageError(
      demo ? 'give one destination folder after --demo' : 'give the model (manifest.json or folder) and a destination folder',
    );
  const source = demo ? join(demoModelDir(), 'manifest.json') : resolve(positionals[0]!);
  const manifestPath = existsSync(source) && statSync(source).isDirectory() ? join(source, 'manifest.json') : source;
  const destination = resolve(positionals[demo ? 0 : 1]!);
  if (resolve(dirname(manifestPath)) === destination) throw new CliError('the destination is the model folder itself');
  const result = exportModel(manifestPath, destination);
  if (args.flags.has('json')) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const shown = relative(process.cwd(), destination) || '.';
  process.stdout.write(
    `copied model ${result.modelVersion} (${result.files.length} files, ${(result.bytes / 1e6).toFixed(1)} MB, sizes and sha256 verified) to ${shown}${sep}\n` +
      `serve that folder with your app and pass its manifest to createRecommender, e.g. modelUrl: '/${basename(destination)}/manifest.json' when ${shown} is under your public folder\n`,
  );
  return 0;
}
