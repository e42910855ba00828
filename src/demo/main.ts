/**
 * Demo page bootstrap: shows named loading phases while the model downloads, verifies, is stored and
 * warms up (or loads from IndexedDB on later visits), then mounts the UI. `?model=<url>` points the
 * page at another exported model (docs/demo.md). `body[data-state]` is `loading`, `ready` or `error`.
 */
import './styles.css';
import type { LoadProgress } from '../client/index.ts';
import { mountDemo } from './app.ts';
import { connectDemo } from './connect.ts';
import { el, formatBytes, replaceChildren } from './dom.ts';

const PHASE_TEXT: Record<LoadProgress['phase'], string> = {
  download: 'Downloading the model',
  verify: 'Verifying checksums',
  store: 'Storing in this browser (IndexedDB)',
  compile: 'Warming up the GPU / CPU kernels',
  ready: 'Ready',
};

const root = document.getElementById('app')!;
const modelUrl =
  new URLSearchParams(location.search).get('model') ?? new URL('models/ml-latest-small/manifest.json', document.baseURI).href;

function setState(state: 'loading' | 'ready' | 'error'): void {
  document.body.dataset.state = state;
}

async function start(): Promise<void> {
  setState('loading');
  const phase = el('p', { id: 'load-phase', role: 'status', 'aria-live': 'polite' }, 'Starting the on-device engine…');
  const bar = el('progress', { id: 'load-progress', max: 1, 'aria-labelledby': 'load-phase' });
  replaceChildren(root, el('div', { class: 'progress' }, el('h1', {}, 'pocketrec'), phase, bar));
  try {
    const engine = await connectDemo(modelUrl, (progress) => {
      const bytes =
        progress.totalBytes > 0 ? ` (${formatBytes(progress.loadedBytes)} of ${formatBytes(progress.totalBytes)})` : '';
      phase.textContent = `${PHASE_TEXT[progress.phase]}${bytes}…`;
      if (progress.totalBytes > 0) bar.value = progress.loadedBytes / progress.totalBytes;
      else bar.removeAttribute('value');
    });
    await mountDemo(root, engine);
    setState('ready');
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    const message = error instanceof Error ? error.message : String(error);
    replaceChildren(
      root,
      el(
        'div',
        { class: 'notice error', role: 'alert', id: 'load-error' },
        el('strong', {}, `The recommender could not start (${name}). `),
        message,
        el(
          'p',
          {},
          'Reload to try again. If this keeps happening, use “Delete everything” in your browser’s site settings for this page, or check that the model URL is reachable: ',
          el('code', {}, modelUrl),
        ),
      ),
    );
    setState('error');
  }
}

void start();
