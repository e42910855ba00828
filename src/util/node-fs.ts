/**
 * Node-only file helpers. Browser code never imports this file: `tsconfig.browser.json` and the
 * ESLint browser rules leave out `src/util/node-*.ts`, and it would not type-check without Node types.
 */
import { renameSync, writeFileSync } from 'node:fs';

/**
 * Writes `data` to `<path><suffix>` and renames it over `path`, so a reader (or a run that is stopped
 * half-way) never sees a half-written file: `path` holds either the old or the new content.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, suffix = '.tmp'): void {
  const temporary = `${path}${suffix}`;
  writeFileSync(temporary, data);
  renameSync(temporary, path);
}

/**
 * `writeFileAtomic` for files that belong together: writes every temporary first and renames only
 * when all are written, so a failure while writing leaves all of them as they were.
 */
export function writeFilesAtomic(files: { path: string; data: string | Uint8Array }[], suffix = '.tmp'): void {
  for (const file of files) writeFileSync(`${file.path}${suffix}`, file.data);
  for (const file of files) renameSync(`${file.path}${suffix}`, file.path);
}
