#!/usr/bin/env node
// The consumer test (a stage of `npm test`; alone: `node tests/consumer/run.mjs`). It proves that a
// fresh Vite + TypeScript app can install pocketrec and use it the way the README says:
//   1. pack the package (`npm pack` runs `prepack`, i.e. npm run build:package)
//   2. copy tests/consumer/app to tests/consumer/.work/app and install it with `npm ci --offline`:
//      the tarball, plus vite/typescript and pocketrec's dependencies from the npm cache (the lock file
//      comes from the repository's, see offline-lock.mjs), so it fails if the package is not installable
//   3. `npx pocketrec export-model --demo public/model` with the installed CLI (no tsx in the app)
//   4. the app's own `tsc && vite build` (create-vite's strict tsconfig, erasableSyntaxOnly)
//   5. Playwright (tests/consumer/playwright.config.ts) against `vite preview` and `vite dev`
// It prints the tarball's size and file count and the app's node_modules size (docs/embedding.md).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { consumerLock } from './offline-lock.mjs';

const root = resolve(import.meta.dirname, '../..');
const work = resolve(import.meta.dirname, '.work');
const app = join(work, 'app');
const tarball = join(work, 'pocketrec.tgz');

function run(command, args, cwd, env = {}) {
  console.log(`\n--- ${cwd === root ? '' : `(${cwd.slice(root.length + 1)}) `}${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd, stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) {
    console.error(`consumer test: ${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status || 1);
  }
}

/** Bytes and file count under `dir`. */
function du(dir) {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const sub = du(path);
      bytes += sub.bytes;
      files += sub.files;
    } else if (entry.isFile()) {
      bytes += statSync(path).size;
      files += 1;
    }
  }
  return { bytes, files };
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

// 1. Pack.
const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', work], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
});
if (pack.status !== 0) {
  console.error(`consumer test: npm pack failed (exit ${pack.status})\n${pack.stdout}`);
  process.exit(1);
}
const [packed] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')));
renameSync(join(work, packed.filename), tarball);
const forbidden = packed.files
  .map((f) => f.path)
  .filter((p) => /^(src|tests|scripts|data|workers|docs)\/|^(vite|vitest|playwright)\.config|^tsconfig/.test(p));
if (forbidden.length) {
  console.error(`consumer test: the tarball holds files that are not for users: ${forbidden.slice(0, 10).join(', ')}`);
  process.exit(1);
}

// 2. Install offline.
cpSync(resolve(import.meta.dirname, 'app'), app, {
  recursive: true,
  filter: (path) => !/[\\/](node_modules|dist|public[\\/]model)([\\/]|$)/.test(path.slice(import.meta.dirname.length)),
});
const appPackage = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8'));
// The app's tools at exactly the versions the repository installs (so the npm cache has them).
const rootPackages = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages;
for (const name of Object.keys(appPackage.devDependencies)) {
  const installed = rootPackages[`node_modules/${name}`]?.version;
  if (!installed) {
    console.error(`consumer test: the app needs ${name}, which the repository does not install`);
    process.exit(1);
  }
  appPackage.devDependencies[name] = installed;
}
writeFileSync(join(app, 'package.json'), `${JSON.stringify(appPackage, null, 2)}\n`);
const lock = consumerLock({
  rootLockPath: join(root, 'package-lock.json'),
  app: appPackage,
  tarball,
  tarballSpec: 'file:../pocketrec.tgz',
});
writeFileSync(join(app, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
run('npm', ['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], app);
if (existsSync(join(app, 'node_modules/tsx'))) {
  console.error('consumer test: tsx got installed; the package must run without it');
  process.exit(1);
}

// 3. The model, with the installed CLI.
run('npx', ['--offline', 'pocketrec', 'export-model', '--demo', 'public/model'], app);

// 4. The app's own type-check and production build.
run('npm', ['run', 'build', '--silent'], app);

const tar = statSync(tarball).size;
const modules = du(join(app, 'node_modules'));
const ours = du(join(app, 'node_modules/pocketrec'));
console.log(
  `\nconsumer test: tarball ${(tar / 1e6).toFixed(2)} MB, ${packed.entryCount} files (unpacked ${(packed.unpackedSize / 1e6).toFixed(2)} MB); ` +
    `app node_modules ${(modules.bytes / 1e6).toFixed(1)} MB in ${modules.files} files, of which pocketrec ${(ours.bytes / 1e6).toFixed(1)} MB`,
);

// 5. The browser: production build and dev server.
run('npx', ['playwright', 'test', '-c', 'tests/consumer/playwright.config.ts'], root);
