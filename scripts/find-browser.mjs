// Finds a Chromium for the browser tests, installing one when it can, and says what it did.
//
// Order: $CHROMIUM_PATH, then a system Chromium, then Playwright's own downloaded browser.
// With none of these, on Debian/Ubuntu as root it installs Debian's `chromium` package with apt
// (and says so); anywhere else it prints the exact command to run and exits non-zero.
// Exports `findBrowser()` for scripts/test.mjs and playwright.config.ts; run directly it prints the path.
import { existsSync, readFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';

const SYSTEM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

function log(message) {
  process.stderr.write(`[find-browser] ${message}\n`);
}

/** Playwright's own Chromium, if `npx playwright install chromium` was run on this machine. */
async function playwrightBrowser() {
  try {
    const { chromium } = await import('playwright-core');
    const path = chromium.executablePath();
    return path && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

function isDebianLike() {
  try {
    const osRelease = readFileSync('/etc/os-release', 'utf8');
    return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(osRelease);
  } catch {
    return false;
  }
}

function installWithApt() {
  log('no Chromium found; installing Debian\'s "chromium" package with apt-get (running as root on Debian) ...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'inherit', 'inherit'], env });
  if (update.status !== 0) throw new Error('apt-get update failed; see the output above');
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'chromium'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env,
  });
  if (install.status !== 0) throw new Error('apt-get install chromium failed; see the output above');
}

function version(path) {
  try {
    return execFileSync(path, ['--version'], { encoding: 'utf8', timeout: 20000 }).trim();
  } catch {
    return 'version unknown';
  }
}

/**
 * Returns the path of a Chromium executable, installing Debian's package when allowed.
 * Throws with the command to run when no browser can be found or installed.
 */
export async function findBrowser({ quiet = false } = {}) {
  const say = quiet ? () => {} : log;
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH is set to ${fromEnv}, but no file is there`);
    say(`using CHROMIUM_PATH=${fromEnv} (${version(fromEnv)})`);
    return fromEnv;
  }
  const system = SYSTEM_CANDIDATES.find((p) => existsSync(p));
  if (system) {
    say(`using system Chromium at ${system} (${version(system)})`);
    return system;
  }
  const bundled = await playwrightBrowser();
  if (bundled) {
    say(`using Playwright's own Chromium at ${bundled}`);
    return bundled;
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (process.platform === 'linux' && isRoot && isDebianLike()) {
    installWithApt();
    const installed = SYSTEM_CANDIDATES.find((p) => existsSync(p));
    if (!installed) throw new Error('apt-get installed chromium but no executable was found at /usr/bin/chromium');
    say(`installed and using Debian Chromium at ${installed} (${version(installed)})`);
    return installed;
  }
  const hint =
    process.platform === 'linux' && isDebianLike() ? 'sudo apt-get install -y chromium' : 'npx playwright install chromium';
  throw new Error(
    `No Chromium found. Run:\n    ${hint}\nor set CHROMIUM_PATH to a Chromium/Chrome executable, then run npm test again.`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  findBrowser()
    .then((path) => process.stdout.write(`${path}\n`))
    .catch((error) => {
      log(error.message);
      process.exit(1);
    });
}
