// Writes a package-lock.json for the consumer app from the repository's own lock file, so that
// `npm ci --offline` installs it from the npm cache alone: every package the app needs (vite,
// typescript and pocketrec's dependencies, with all of theirs) is one the repository installs too,
// at the same version, resolved URL and integrity, laid out at the same node_modules paths.
// pocketrec itself comes from the packed tarball (its integrity is computed here).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** `node_modules/a/node_modules/b` -> `node_modules/a`; `node_modules/a` -> `` (the root). */
function parentOf(path) {
  const i = path.lastIndexOf('node_modules/');
  return i <= 0 ? '' : path.slice(0, i - 1);
}

/** Node's lookup: the closest `node_modules/<name>` at or above `from` in the lock's tree. */
function locate(packages, from, name) {
  for (let base = from; ; base = parentOf(base)) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
  }
}

/**
 * Builds the consumer's lock. `app` is its package.json (dependencies and devDependencies),
 * `tarball` the packed pocketrec (referenced from the app as `tarballSpec`, e.g. `file:../x.tgz`).
 * Throws when the app needs a package the repository does not install (the cache would miss it).
 */
export function consumerLock({ rootLockPath, app, tarball, tarballSpec }) {
  const rootLock = JSON.parse(readFileSync(rootLockPath, 'utf8'));
  const source = rootLock.packages;
  const packed = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const integrity = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;

  const packages = {
    '': {
      name: app.name,
      version: app.version ?? '0.0.0',
      dependencies: app.dependencies ?? {},
      devDependencies: app.devDependencies ?? {},
    },
    'node_modules/pocketrec': {
      version: packed.version,
      resolved: tarballSpec,
      integrity,
      license: packed.license,
      dependencies: packed.dependencies,
      bin: packed.bin,
      engines: packed.engines,
    },
  };
  const prod = new Set();
  const visit = (path, isProd) => {
    const entry = path === 'node_modules/pocketrec' ? packages[path] : source[path];
    if (isProd) {
      if (prod.has(path)) return;
      prod.add(path);
    } else if (packages[path] && path !== 'node_modules/pocketrec') return;
    if (path !== 'node_modules/pocketrec' && !packages[path]) {
      const { dev: _dev, devOptional: _devOptional, ...rest } = entry;
      packages[path] = rest;
    }
    const required = { ...entry.dependencies, ...entry.optionalDependencies };
    for (const [name, meta] of Object.entries(entry.peerDependencies ?? {}))
      if (!entry.peerDependenciesMeta?.[name]?.optional) required[name] = meta;
    for (const name of Object.keys(required)) {
      const found = locate(source, path === 'node_modules/pocketrec' ? '' : path, name);
      if (found) visit(found, isProd);
      else if (!entry.optionalDependencies?.[name])
        throw new Error(`${path} needs ${name}, which the repository's lock does not install`);
    }
  };
  for (const name of Object.keys(app.dependencies ?? {})) {
    if (name === 'pocketrec') visit('node_modules/pocketrec', true);
    else throw new Error(`the consumer app may only depend on pocketrec at run time, not ${name}`);
  }
  for (const [name, range] of Object.entries(app.devDependencies ?? {})) {
    const path = `node_modules/${name}`;
    if (!source[path]) throw new Error(`the consumer app needs ${name}, which the repository does not install`);
    if (source[path].version !== range)
      throw new Error(`the consumer app pins ${name}@${range}; the repository installs ${source[path].version}`);
    visit(path, false);
  }
  for (const [path, entry] of Object.entries(packages)) {
    if (path && path !== 'node_modules/pocketrec' && !prod.has(path)) entry.dev = true;
  }
  return { name: app.name, version: app.version ?? '0.0.0', lockfileVersion: 3, requires: true, packages };
}
