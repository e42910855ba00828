/**
 * Demo page bootstrap. The header (name, what runs where in plain words, settings) stays on every
 * screen; below it the page shows the loading steps while the model downloads, is checked, stored
 * and warmed up (or loads from IndexedDB on later visits), then the app, or an error with a way back.
 * `?model=<url>` points the page at another exported model on the same origin (docs/demo.md). `body[data-state]` is
 * `loading`, `ready`, `error` or `deleted`; `body[data-offline]` is the service worker's state
 * (`ready` once a second visit works without a network).
 */
import './styles.css';
import { InvalidArgumentError, type BackendPreference, type LoadProgress } from '../client/index.ts';
import { registerOfflineCache } from '../offline/register.ts';
import { mountDemo, type MountedDemo } from './app.ts';
import { connectDemo } from './connect.ts';
import { el, formatBytes, replaceChildren } from './dom.ts';
import type { DemoEngine, DemoStatus } from './engine-port.ts';
import { describeLoadError } from './load-error.ts';
import { BACKEND_CHOICES, engineSentence } from './status-text.ts';

const root = document.getElementById('app')!;
const customModel = new URLSearchParams(location.search).get('model');
const modelUrl = customModel ?? new URL('models/ml-latest-small/manifest.json', document.baseURI).href;
const BACKEND_KEY = 'pocketrec-demo-backend';

type PageState = 'loading' | 'ready' | 'error' | 'deleted';
function setState(state: PageState): void {
  document.body.dataset.state = state;
}

function storedBackend(): BackendPreference {
  const value = localStorage.getItem(BACKEND_KEY);
  return BACKEND_CHOICES.some((choice) => choice.value === value) ? (value as BackendPreference) : 'auto';
}

// --- the shell: skip links, header, notices, content, live region, footer ---
const skipTo = (target: 'recs' | 'search' | 'history') => (event: Event) => {
  event.preventDefault();
  mounted?.skipTo(target);
};
const skipLinks = el(
  'nav',
  { class: 'skip-links', 'aria-label': 'Skip links', hidden: true },
  el('a', { href: '#recs-heading', onclick: skipTo('recs') }, 'Skip to For you'),
  el('a', { href: '#search', onclick: skipTo('search') }, 'Skip to search'),
  el('a', { href: '#history-heading', onclick: skipTo('history') }, 'Skip to your ratings'),
);
const engineStatus = el('p', { class: 'engine-status', id: 'engine-status' }, 'Starting…');
const offlineStatus = el('p', { class: 'offline-status', id: 'offline-status', role: 'status' });
const backendSelect = el(
  'select',
  { id: 'backend-setting' },
  ...BACKEND_CHOICES.map((choice) => el('option', { value: choice.value }, choice.label)),
);
backendSelect.value = storedBackend();
const engineDetail = el('p', { class: 'stat', id: 'engine-detail' });
const settings = el(
  'details',
  { class: 'settings', id: 'settings' },
  el('summary', {}, 'Settings'),
  el('label', { for: 'backend-setting' }, 'Run the model on'),
  backendSelect,
  el('p', { class: 'stat' }, 'Changing this restarts the model; your ratings stay.'),
  engineDetail,
);
const header = el(
  'header',
  { class: 'app-header' },
  el(
    'div',
    { class: 'brand' },
    el('h1', {}, 'pocketrec'),
    el('p', { class: 'tagline' }, 'Film picks computed in your browser. Your ratings never leave this device.'),
  ),
  el('div', { class: 'engine' }, engineStatus, offlineStatus, settings),
);
const notices = el('div', { id: 'notices' });
const content = el('div', { id: 'content' });
const live = el('div', { id: 'live', class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
const footer = el('footer', { class: 'attribution' });
replaceChildren(root, skipLinks, header, notices, content, live, footer);

let mounted: MountedDemo | undefined;
let engine: DemoEngine | undefined;
let lastStatus: DemoStatus | undefined;

function showStatus(status: DemoStatus): void {
  lastStatus = status;
  engineStatus.textContent = engineSentence(status);
  engineStatus.classList.toggle(
    'warn',
    status.softwareAdapter || (status.fallback !== undefined && status.requestedBackend !== 'auto'),
  );
  const facts = [
    `backend ${status.backend}${status.adapter ? ` (${status.adapter})` : ''}`,
    `asked for ${status.requestedBackend}`,
    status.fallback ? `fallback ${status.fallback.code}: ${status.fallback.reason}` : '',
    `model ${status.modelVersion}, ${status.itemCount.toLocaleString()} films, ${status.modelSource === 'storage' ? 'loaded from this browser' : 'downloaded'}`,
  ].filter(Boolean);
  engineDetail.textContent = `Technical detail: ${facts.join(' · ')}`;
  showOffline();
}

/** The header while no engine runs (starting, failed, deleted): no stale backend facts. */
function showNotRunning(text: string): void {
  lastStatus = undefined;
  engineStatus.textContent = text;
  engineStatus.classList.remove('warn');
  engineDetail.textContent = '';
}

function showOffline(): void {
  if (navigator.onLine) {
    offlineStatus.textContent = '';
    offlineStatus.hidden = true;
    return;
  }
  offlineStatus.hidden = false;
  offlineStatus.textContent =
    document.body.dataset.state === 'error' ? 'Offline' : 'Offline – using the model stored on this device';
}
window.addEventListener('online', showOffline);
window.addEventListener('offline', showOffline);

// --- loading ---
const STEPS: { phase: LoadProgress['phase']; text: string }[] = [
  { phase: 'download', text: 'Download the model' },
  { phase: 'verify', text: 'Check the download' },
  { phase: 'store', text: 'Save it in this browser' },
  { phase: 'compile', text: 'Get the model ready' },
];
/** Where each phase starts and ends on the one progress bar, so it only ever moves forward. */
const SPAN: Record<LoadProgress['phase'], [number, number]> = {
  download: [0, 0.7],
  verify: [0.7, 0.75],
  store: [0.75, 0.9],
  compile: [0.9, 0.99],
  ready: [1, 1],
};

function loadingView(): (progress: LoadProgress) => void {
  const phaseText = el('p', { id: 'load-phase' }, 'Starting the on-device engine…');
  const bar = el('progress', { id: 'load-progress', max: 1, value: 0, 'aria-labelledby': 'load-phase' });
  const items = STEPS.map((step) => el('li', { 'data-phase': step.phase }, step.text));
  const list = el('ol', { class: 'load-steps', id: 'load-steps' }, ...items);
  replaceChildren(
    content,
    el(
      'section',
      { class: 'progress', 'aria-labelledby': 'load-heading' },
      el('h2', { id: 'load-heading' }, 'Getting ready'),
      phaseText,
      bar,
      list,
    ),
  );
  let fromStorage = false;
  let reached = -1;
  return (progress) => {
    if (progress.phase === 'ready') return;
    const index = STEPS.findIndex((step) => step.phase === progress.phase);
    if (reached < 0 && progress.phase === 'compile') {
      // No download: the model is already stored in this browser.
      fromStorage = true;
      replaceChildren(
        list,
        el('li', { 'data-phase': 'compile', 'aria-current': 'step' }, 'Load the model saved in this browser'),
      );
    }
    reached = Math.max(reached, index);
    if (!fromStorage) {
      items.forEach((item, i) => {
        item.className = i < reached ? 'done' : i === reached ? 'current' : '';
        if (i === reached) item.setAttribute('aria-current', 'step');
        else item.removeAttribute('aria-current');
      });
    }
    const [start, end] = SPAN[progress.phase];
    const share = progress.totalBytes > 0 ? Math.min(1, progress.loadedBytes / progress.totalBytes) : 0;
    bar.value = Math.max(bar.value, start + (end - start) * share);
    const bytes = progress.totalBytes > 0 ? `: ${formatBytes(progress.loadedBytes)} of ${formatBytes(progress.totalBytes)}` : '';
    const text = fromStorage
      ? 'Loading the model saved in this browser'
      : STEPS[index]!.text.replace(/^Download/, 'Downloading')
          .replace(/^Check/, 'Checking')
          .replace(/^Save/, 'Saving')
          .replace(/^Get/, 'Getting');
    phaseText.textContent = `${text}${bytes}…`;
  };
}

// --- errors and the way back ---
function errorView(error: unknown): void {
  const described = describeLoadError(error, modelUrl);
  const actions = el(
    'div',
    { class: 'actions' },
    el('button', { type: 'button', class: 'primary', id: 'error-retry', onclick: () => void start() }, 'Try again'),
    customModel !== null
      ? el('a', { class: 'button', id: 'error-default-model', href: location.pathname }, 'Use the built-in model')
      : null,
    el(
      'button',
      { type: 'button', id: 'error-reset', onclick: () => void resetSiteData() },
      'Delete this page’s stored data and start over',
    ),
  );
  replaceChildren(
    content,
    el(
      'section',
      { class: 'notice error', role: 'alert', id: 'load-error', 'data-error': described.kind },
      el('h2', {}, described.title),
      el('p', {}, described.advice),
      el('details', {}, el('summary', {}, 'Technical detail'), el('p', { class: 'stat' }, described.detail)),
      actions,
    ),
  );
  setState('error');
  showNotRunning('The model is not running');
  showOffline();
}

/** Deletes the demo's IndexedDB database (there is no engine to ask after a failed start), then restarts. */
async function resetSiteData(): Promise<void> {
  if (!confirm('Delete the model and your ratings stored by this page, then download the model again?')) return;
  await engine?.dispose().catch(() => undefined);
  engine = undefined;
  await new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase('pocketrec');
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
  await start();
}

function deletedView(): void {
  mounted = undefined;
  engine = undefined;
  skipLinks.hidden = true;
  replaceChildren(
    content,
    el(
      'section',
      { class: 'notice', id: 'deleted-notice', role: 'status' },
      el('h2', {}, 'Everything was deleted from this browser'),
      el('p', {}, 'The model and your ratings are gone from this device.'),
      el(
        'button',
        { type: 'button', class: 'primary', id: 'deleted-restart', onclick: () => void start() },
        'Download the model again',
      ),
    ),
  );
  setState('deleted');
  showNotRunning('The model is not running');
  document.getElementById('deleted-restart')?.focus();
}

// --- start and restart ---
let run = 0;
async function start(): Promise<void> {
  const mine = ++run;
  // The old screen goes at once (its engine is about to be disposed), then the old engine.
  mounted = undefined;
  skipLinks.hidden = true;
  setState('loading');
  showNotRunning('Starting…');
  showOffline();
  const onProgress = loadingView();
  if (engine) {
    const previous = engine;
    engine = undefined;
    await previous.dispose().catch(() => undefined);
  }
  try {
    if (new URL(modelUrl, document.baseURI).origin !== location.origin)
      throw new InvalidArgumentError(
        `?model= must name a model on this site (${location.origin}); ${modelUrl} is on another origin.`,
      );
    const connected = await connectDemo({ modelUrl, backend: backendSelect.value as BackendPreference, onProgress });
    if (mine !== run) {
      await connected.dispose();
      return;
    }
    engine = connected;
    footer.textContent = connected.attribution;
    const app = await mountDemo(content, connected, { showStatus, announce, deleted: deletedView });
    if (mine !== run) return; // a newer start (e.g. another backend) took over meanwhile
    mounted = app;
    skipLinks.hidden = false;
    setState('ready');
  } catch (error) {
    if (mine !== run) return;
    errorView(error);
  }
}

function announce(text: string): void {
  // Cleared first so the same sentence twice is announced twice.
  live.textContent = '';
  requestAnimationFrame(() => (live.textContent = text));
}

backendSelect.addEventListener('change', () => {
  localStorage.setItem(BACKEND_KEY, backendSelect.value);
  announce('Restarting the model on the chosen processor…');
  void start().then(() => {
    if (lastStatus && document.body.dataset.state === 'ready') announce(engineSentence(lastStatus));
  });
});

void start().finally(() => {
  // The page's own files, for offline visits; after the first start so it does not compete with the model download.
  if (!import.meta.env.DEV) {
    void registerOfflineCache(new URL('sw.js', document.baseURI)).then((result) => {
      document.body.dataset.offline = result.state;
    });
  }
});
