/**
 * "Train on your own data" (train.html, docs/demo.md): pick or drop a log in the generic format plus an
 * optional items file, see the import summary (or the error with its line), choose a preset or edit the
 * main settings, watch the loss and validation HR@10 / NDCG@10 per epoch, stop at any time keeping the
 * best model, compare the test metrics with the popularity and co-occurrence baselines, make the model
 * the active model of a namespace (IndexedDB, served by the normal engine) and download its artifacts.
 *
 * Everything runs in a dedicated worker (workers/train.worker.ts -> src/pipeline); the page sends it the
 * `File` objects and nothing leaves the device. `body[data-train]` is the page's state for tests:
 * `idle`, `importing`, `imported`, `import-error`, `training`, `done`, `error`.
 */
import '../styles.css';
import './train.css';
import { createRecommender, type Recommender } from '../../client/index.ts';
import type { TrainBackend, TrainReply, TrainRequest } from '../../pipeline/protocol.ts';
import type { PipelineResult } from '../../pipeline/run.ts';
import { checkSettings, cliArgs, PRESETS, type PipelineSettings, type Preset } from '../../pipeline/settings.ts';
import { el, formatBytes, replaceChildren } from '../dom.ts';
import { createChart, drawChart, type ChartData } from './chart.ts';

type TrainState = 'idle' | 'importing' | 'imported' | 'import-error' | 'training' | 'done' | 'error';
const setState = (state: TrainState): void => {
  document.body.dataset.train = state;
};

const worker = new Worker(new URL('../../../workers/train.worker.ts', import.meta.url), {
  type: 'module',
  name: 'pocketrec-train',
});
const send = (request: TrainRequest): void => worker.postMessage(request);

// --- header ---
const header = el(
  'header',
  { class: 'app-header' },
  el(
    'div',
    {},
    el('h1', {}, 'Train on your own data'),
    el(
      'p',
      { class: 'tagline' },
      'Your log is read and trained on inside this page (a Web Worker). Nothing is uploaded. ',
      el('a', { href: './' }, 'Back to the demo'),
    ),
  ),
);

// --- 1. the log ---
const eventsInput = el('input', { type: 'file', id: 'events-file', accept: '.csv,.tsv,.txt,.gz' });
const itemsInput = el('input', { type: 'file', id: 'items-file', accept: '.csv,.tsv,.txt,.gz' });
const importButton = el('button', { id: 'import', class: 'primary', disabled: true }, 'Import');
const importProgress = el('progress', { id: 'import-progress', max: 1, value: 0, hidden: true });
const importStatus = el('p', { id: 'import-status', class: 'stat', role: 'status' });
const importSummary = el('div', { id: 'import-summary' });
const dropZone = el(
  'div',
  { id: 'drop-zone', class: 'drop-zone' },
  el(
    'p',
    {},
    'Drop an events file here (CSV or TSV with a header naming user and item; optional timestamp, rating or outcome: see docs/data.md), or pick it:',
  ),
  el('label', { for: 'events-file' }, 'Events file '),
  eventsInput,
  el('br', {}),
  el('label', { for: 'items-file' }, 'Items file (optional: item,title,genres,year) '),
  itemsInput,
);
const logPanel = el(
  'section',
  { class: 'panel', 'aria-labelledby': 'log-heading' },
  el('h2', { id: 'log-heading' }, '1. Your log'),
  dropZone,
  el('div', { class: 'actions' }, importButton),
  importProgress,
  importStatus,
  importSummary,
);

// --- 2. settings ---
const presetSelect = el(
  'select',
  { id: 'preset' },
  el('option', { value: 'fast' }, 'Fast (see the pipeline work in a minute; usually below the baselines)'),
  el('option', { value: 'balanced' }, 'Balanced'),
  el('option', { value: 'best' }, 'Best (longest history, semantic IDs, up to 300 epochs)'),
);
const backendSelect = el(
  'select',
  { id: 'train-backend' },
  el('option', { value: 'auto' }, 'Automatic (WebAssembly)'),
  el('option', { value: 'wasm' }, 'WebAssembly (CPU)'),
  el('option', { value: 'webgpu' }, 'WebGPU (experimental)'),
);
const NUMBER_FIELDS: [keyof PipelineSettings, string][] = [
  ['epochs', 'Max epochs'],
  ['batchSize', 'Users per batch'],
  ['learningRate', 'Learning rate'],
  ['negatives', 'Sampled negatives'],
  ['dim', 'Model width'],
  ['blocks', 'Transformer blocks'],
  ['maxLen', 'History length'],
  ['patience', 'Early-stopping patience'],
  ['valUsers', 'Validation users (0 = all)'],
  ['seed', 'Seed'],
];
const inputs = new Map<keyof PipelineSettings, HTMLInputElement>();
const itemRepSelect = el(
  'select',
  { id: 'set-itemRep' },
  el('option', { value: 'id' }, 'ID embeddings'),
  el('option', { value: 'id+sid' }, 'ID + semantic IDs (PrefixMem)'),
);
const inBatchInput = el('input', { type: 'checkbox', id: 'set-inBatch' });
const settingsGrid = el(
  'div',
  { class: 'settings-grid' },
  ...NUMBER_FIELDS.map(([key, label]) => {
    const input = el('input', { type: 'number', id: `set-${key}`, step: key === 'learningRate' ? 'any' : 1 });
    inputs.set(key, input);
    return el('label', { for: `set-${key}` }, label, input);
  }),
  el('label', { for: 'set-itemRep' }, 'Item representation', itemRepSelect),
  el('label', { for: 'set-inBatch' }, 'Popularity negatives (in-batch)', inBatchInput),
);
const settingsError = el('p', { id: 'settings-error', class: 'error-text', role: 'alert' });
const cliLine = el('code', { id: 'cli-line' });
const trainButton = el('button', { id: 'train', class: 'primary', disabled: true }, 'Train');
const stopButton = el('button', { id: 'stop', disabled: true }, 'Stop and keep the best model');
const settingsPanel = el(
  'section',
  { class: 'panel', 'aria-labelledby': 'settings-heading' },
  el('h2', { id: 'settings-heading' }, '2. Settings'),
  el(
    'div',
    { class: 'controls' },
    el('label', { for: 'preset' }, 'Preset'),
    presetSelect,
    el('label', { for: 'train-backend' }, 'Train on'),
    backendSelect,
  ),
  el('details', { class: 'steer', id: 'edit-settings' }, el('summary', {}, 'Edit the main settings'), settingsGrid),
  settingsError,
  el('p', { class: 'stat' }, 'The same run with the command line: ', cliLine),
  el('div', { class: 'actions' }, trainButton, stopButton),
);

function showPreset(preset: Preset): void {
  const values = PRESETS[preset];
  for (const [key, input] of inputs) input.value = String(values[key]);
  itemRepSelect.value = values.itemRep;
  inBatchInput.checked = values.inBatch;
  updateCliLine();
}
function readSettings(): PipelineSettings {
  const read = (key: keyof PipelineSettings): number => Number(inputs.get(key)!.value);
  const settings = {
    epochs: read('epochs'),
    batchSize: read('batchSize'),
    learningRate: read('learningRate'),
    negatives: read('negatives'),
    dim: read('dim'),
    blocks: read('blocks'),
    maxLen: read('maxLen'),
    patience: read('patience'),
    valUsers: read('valUsers'),
    seed: read('seed'),
    itemRep: itemRepSelect.value as PipelineSettings['itemRep'],
    inBatch: inBatchInput.checked,
  };
  checkSettings(settings);
  return settings;
}
function updateCliLine(): void {
  try {
    const settings = readSettings();
    settingsError.textContent = '';
    cliLine.textContent = `npx pocketrec train --dataset ${eventsInput.files?.[0]?.name ?? 'events.csv'}${itemsInput.files?.[0] ? ` --items ${itemsInput.files[0].name}` : ''} ${cliArgs(settings).join(' ')} --test --catalog`;
  } catch (error) {
    settingsError.textContent = (error as Error).message;
  }
}
presetSelect.addEventListener('change', () => showPreset(presetSelect.value as Preset));
settingsGrid.addEventListener('input', updateCliLine);
itemRepSelect.addEventListener('change', updateCliLine);
inBatchInput.addEventListener('change', updateCliLine);
showPreset('fast');

// --- 3. progress ---
const trainStatus = el('p', { id: 'train-status', class: 'stat', role: 'status' });
const backendStatus = el('p', { id: 'backend-status', class: 'stat' });
const chart = createChart();
const epochRows = el('tbody', { id: 'epoch-rows' });
const progressPanel = el(
  'section',
  { class: 'panel', 'aria-labelledby': 'progress-heading', id: 'progress-panel', hidden: true },
  el('h2', { id: 'progress-heading' }, '3. Training'),
  backendStatus,
  trainStatus,
  el(
    'div',
    { class: 'chart-legend' },
    el('span', { class: 'key loss' }, 'training loss'),
    el('span', { class: 'key hr' }, 'validation HR@10'),
    el('span', { class: 'key ndcg' }, 'validation NDCG@10'),
  ),
  chart,
  el(
    'table',
    { class: 'metrics' },
    el(
      'thead',
      {},
      el('tr', {}, el('th', {}, 'epoch'), el('th', {}, 'loss'), el('th', {}, 'HR@10'), el('th', {}, 'NDCG@10'), el('th', {}, '')),
    ),
    epochRows,
  ),
);
let chartData: ChartData = { loss: [], hr: [], ndcg: [], epochs: 1 };

// --- 4. result ---
const testRows = el('tbody', { id: 'test-rows' });
const namespaceInput = el('input', { id: 'namespace', value: 'my-log', pattern: '[A-Za-z0-9_-]{1,64}' });
const activateButton = el('button', { id: 'activate', class: 'primary' }, 'Use this model');
const activateStatus = el('p', { id: 'activate-status', class: 'stat', role: 'status' });
const downloads = el('ul', { id: 'downloads' });
const downloadAll = el('button', { id: 'download-all' }, 'Download all files');
const resultPanel = el(
  'section',
  { class: 'panel', 'aria-labelledby': 'result-heading', id: 'result-panel', hidden: true },
  el('h2', { id: 'result-heading' }, '4. Result'),
  el('p', { class: 'stat', id: 'result-summary' }),
  el(
    'table',
    { class: 'metrics' },
    el(
      'thead',
      {},
      el('tr', {}, el('th', {}, 'test (leave-one-out, full ranking)'), el('th', {}, 'HR@10'), el('th', {}, 'NDCG@10')),
    ),
    testRows,
  ),
  el('h3', {}, 'Use it here'),
  el('div', { class: 'controls' }, el('label', { for: 'namespace' }, 'Namespace'), namespaceInput, activateButton),
  activateStatus,
  el('h3', {}, 'Download'),
  el(
    'p',
    { class: 'stat' },
    'Save these files into one folder: ',
    el('code', {}, 'pocketrec eval --model <folder>/manifest.json'),
    ' and createRecommender({ modelUrl }) load them as they are.',
  ),
  downloads,
  downloadAll,
);

// --- 5. try it ---
const tryItem = el('select', { id: 'try-item' });
const tryRecs = el('ol', { id: 'try-recs' });
const tryPanel = el(
  'section',
  { class: 'panel', 'aria-labelledby': 'try-heading', id: 'try-panel', hidden: true },
  el('h2', { id: 'try-heading' }, '5. Recommendations from your model'),
  el('div', { class: 'controls' }, el('label', { for: 'try-item' }, 'A user who just interacted with'), tryItem),
  tryRecs,
);

const root = document.getElementById('app')!;
root.append(header, el('main', { class: 'train-layout' }, logPanel, settingsPanel, progressPanel, resultPanel, tryPanel));
setState('idle');

// --- file picking and dropping ---
function filesChanged(): void {
  importButton.disabled = !eventsInput.files?.length;
  updateCliLine();
}
eventsInput.addEventListener('change', filesChanged);
itemsInput.addEventListener('change', filesChanged);
dropZone.addEventListener('dragover', (event) => {
  event.preventDefault();
  dropZone.classList.add('over');
});
dropZone.addEventListener('dragleave', () => dropZone.classList.remove('over'));
dropZone.addEventListener('drop', (event) => {
  event.preventDefault();
  dropZone.classList.remove('over');
  const files = [...(event.dataTransfer?.files ?? [])];
  const items = files.find((f) => /^items\./i.test(f.name));
  const events = files.find((f) => f !== items);
  const assign = (input: HTMLInputElement, file: File | undefined): void => {
    if (!file) return;
    const transfer = new DataTransfer();
    transfer.items.add(file);
    input.files = transfer.files;
  };
  assign(eventsInput, events);
  assign(itemsInput, items);
  filesChanged();
});

importButton.addEventListener('click', () => {
  const events = eventsInput.files?.[0];
  if (!events) return;
  const items = itemsInput.files?.[0];
  setState('importing');
  importButton.disabled = true;
  trainButton.disabled = true;
  importProgress.hidden = false;
  importProgress.value = 0;
  importStatus.textContent = `Reading ${events.name} (${formatBytes(events.size)})…`;
  importStarted = performance.now();
  replaceChildren(importSummary);
  send({ type: 'import', events, eventsName: events.name, ...(items ? { items, itemsName: items.name } : {}) });
});

trainButton.addEventListener('click', () => {
  let settings: PipelineSettings;
  try {
    settings = readSettings();
  } catch (error) {
    settingsError.textContent = (error as Error).message;
    return;
  }
  setState('training');
  trainButton.disabled = true;
  importButton.disabled = true;
  stopButton.disabled = false;
  progressPanel.hidden = false;
  resultPanel.hidden = true;
  tryPanel.hidden = true;
  chartData = { loss: [], hr: [], ndcg: [], epochs: settings.epochs };
  drawChart(chart, chartData);
  replaceChildren(epochRows);
  trainStatus.textContent = 'Starting…';
  send({ type: 'train', settings, backend: backendSelect.value as TrainBackend });
});
stopButton.addEventListener('click', () => {
  stopButton.disabled = true;
  trainStatus.textContent = 'Stopping after this step; the best model so far is kept…';
  send({ type: 'stop' });
});

const fmt = (value: number): string => (Number.isFinite(value) ? value.toFixed(4) : '–');
function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

// --- the worker's replies ---
let result: PipelineResult | undefined;
let importStarted = 0;
let lastDraw = 0;
worker.addEventListener('message', (message: MessageEvent<TrainReply>) => {
  const reply = message.data;
  switch (reply.type) {
    case 'event': {
      const event = reply.event;
      if (event.type === 'import-progress') {
        const fraction = event.totalBytes ? (event.bytes ?? 0) / event.totalBytes : 0;
        // Two passes over the events file: the outcome scan (first half of the bar), then the import.
        importProgress.value = event.pass === 'scan' ? fraction / 2 : 0.5 + fraction / 2;
        importStatus.textContent = `${event.pass === 'scan' ? 'Scanning' : 'Importing'} ${event.file}: ${event.rows.toLocaleString()} lines`;
      } else if (event.type === 'step') {
        chartData.loss.push({ x: event.epoch - 1 + event.step / event.steps, y: event.loss });
        trainStatus.textContent = `Epoch ${event.epoch} of at most ${chartData.epochs}, step ${event.step}/${event.steps}, loss ${fmt(event.loss)} · about ${formatSeconds(event.secondsLeft)} left at most`;
        if (performance.now() - lastDraw > 250) {
          drawChart(chart, chartData);
          lastDraw = performance.now();
        }
      } else if (event.type === 'epoch') {
        const x = event.epoch - 1 + event.step / Math.max(1, event.steps);
        chartData.hr.push({ x, y: event.validation['HR@10'] });
        chartData.ndcg.push({ x, y: event.validation['NDCG@10'] });
        drawChart(chart, chartData);
        epochRows.append(
          el(
            'tr',
            {},
            el(
              'td',
              {},
              event.step < event.steps ? `${event.epoch} (stopped at ${event.step}/${event.steps})` : String(event.epoch),
            ),
            el('td', {}, fmt(event.loss)),
            el('td', {}, fmt(event.validation['HR@10'])),
            el('td', {}, fmt(event.validation['NDCG@10'])),
            el('td', {}, event.best ? 'best so far' : ''),
          ),
        );
      } else if (event.type === 'stage') {
        const words = {
          sids: 'Building semantic IDs…',
          training: 'Training',
          testing: 'Testing the best model and the baselines…',
          export: 'Exporting…',
        };
        trainStatus.textContent = `${words[event.stage]}${event.detail ? ` (${event.detail})` : ''}`;
      }
      break;
    }
    case 'imported': {
      document.body.dataset.importSeconds = ((performance.now() - importStarted) / 1000).toFixed(2);
      setState('imported');
      importProgress.value = 1;
      const s = reply.summary;
      const dropped = Object.entries(s.dropped);
      importStatus.textContent = `Imported "${reply.name}".`;
      replaceChildren(
        importSummary,
        el(
          'ul',
          { class: 'summary' },
          el(
            'li',
            {},
            `${s.users.toLocaleString()} users, ${s.items.toLocaleString()} items, ${s.events.toLocaleString()} events`,
          ),
          el(
            'li',
            {},
            `Outcomes: ${Object.entries(s.outcomeCounts)
              .map(([name, n]) => `${name} ${n.toLocaleString()}`)
              .join(', ')}`,
          ),
          el('li', {}, `${s.eventsWithTime.toLocaleString()} events with a timestamp`),
          el(
            'li',
            {},
            dropped.length
              ? `Dropped: ${dropped.map(([why, n]) => `${n.toLocaleString()} ${why}`).join(', ')}`
              : 'No rows dropped',
          ),
        ),
      );
      importButton.disabled = false;
      trainButton.disabled = false;
      break;
    }
    case 'import-error': {
      setState('import-error');
      importProgress.hidden = true;
      importStatus.textContent = '';
      const where = reply.error.file ? `${reply.error.file}${reply.error.line ? `, line ${reply.error.line}` : ''}` : '';
      replaceChildren(
        importSummary,
        el(
          'div',
          { class: 'notice error', id: 'import-error', role: 'alert' },
          el('h3', {}, where ? `Cannot import ${where}` : 'Cannot import the file'),
          el('p', {}, reply.error.message),
          el('p', {}, 'Fix that line (the format is in docs/data.md) and import again; nothing was kept from this attempt.'),
        ),
      );
      importButton.disabled = false;
      break;
    }
    case 'backend':
      backendStatus.textContent = `Training on ${reply.backend === 'wasm' ? `WebAssembly (${reply.threads} thread${reply.threads === 1 ? '' : 's'}${reply.wasmKernels ? ', pocketrec training kernels' : ''})` : reply.backend}${reply.note ? ` · ${reply.note}` : ''}`;
      break;
    case 'done':
      result = reply.result;
      showResult(reply.result);
      break;
    case 'train-error':
      setState('error');
      trainStatus.textContent = `Training failed: ${reply.message}`;
      stopButton.disabled = true;
      trainButton.disabled = false;
      importButton.disabled = false;
      break;
  }
});

function showResult(r: PipelineResult): void {
  // For scripts (scripts/bench-browser-train.ts) and tests: the result without the file bytes.
  (globalThis as { pocketrecTrainResult?: unknown }).pocketrecTrainResult = { ...r, files: Object.keys(r.files) };
  drawChart(chart, chartData);
  stopButton.disabled = true;
  trainButton.disabled = false;
  importButton.disabled = false;
  trainStatus.textContent = r.stoppedAt
    ? `Stopped in epoch ${r.stoppedAt.epoch} (step ${r.stoppedAt.step}/${r.stoppedAt.steps}); kept the best model (epoch ${r.bestEpoch}).`
    : `Done: ${r.epochsDone} epochs in ${formatSeconds(r.wallSeconds)}; best epoch ${r.bestEpoch}.`;
  resultPanel.hidden = false;
  document.getElementById('result-summary')!.textContent =
    `"${r.name}": ${r.config.itemCount.toLocaleString()} items, width ${r.config.dim}, ${r.config.blocks} block(s). Higher is better; the baselines ran on the same test cases in the same worker.`;
  replaceChildren(
    testRows,
    ...r.test.map((row) =>
      el(
        'tr',
        {},
        el('th', { scope: 'row' }, row.name),
        el('td', {}, fmt(row.metrics['HR@10'])),
        el('td', {}, fmt(row.metrics['NDCG@10'])),
      ),
    ),
  );
  replaceChildren(
    downloads,
    ...Object.entries(r.files).map(([path, bytes]) => {
      const url = URL.createObjectURL(new Blob([bytes as BlobPart]));
      return el('li', {}, el('a', { href: url, download: path, class: 'download' }, path), ` (${formatBytes(bytes.byteLength)})`);
    }),
  );
  setState('done');
}
downloadAll.addEventListener('click', () => {
  for (const link of downloads.querySelectorAll('a')) link.click();
});

// --- activation: the normal engine stores the files in IndexedDB and serves them ---
let active: Recommender | undefined;
activateButton.addEventListener('click', () => {
  if (!result) return;
  const namespace = namespaceInput.value.trim();
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(namespace)) {
    activateStatus.textContent = 'A namespace is 1-64 letters, digits, - or _.';
    return;
  }
  activateButton.disabled = true;
  activateStatus.textContent = 'Storing the model in this browser…';
  void (async () => {
    try {
      await active?.dispose();
      // The URL only names the model; its files come from memory (nothing is fetched or sent).
      active = await createRecommender({
        modelUrl: new URL(`trained/${namespace}/manifest.json`, document.baseURI).href,
        namespace,
        modelFiles: result!.files,
        backend: 'auto',
      });
      const status = await active.status();
      activateStatus.textContent = `Active in namespace "${namespace}": version ${status.modelVersion}, ${status.itemCount.toLocaleString()} items, on ${status.backend}.`;
      const catalog = await active.catalog();
      replaceChildren(
        tryItem,
        ...catalog.slice(0, 2000).map((item) => el('option', { value: item.itemId }, item.title ?? item.itemId)),
      );
      tryPanel.hidden = false;
      await showTry();
      document.body.dataset.active = namespace;
    } catch (error) {
      activateStatus.textContent = `Could not activate: ${(error as Error).message}`;
    } finally {
      activateButton.disabled = false;
    }
  })();
});

async function showTry(): Promise<void> {
  if (!active) return;
  const outcomes = (await active.status()).outcomes;
  await active.replaceHistory([{ itemId: tryItem.value, outcome: outcomes[outcomes.length - 1]! }]);
  const recs = await active.recommend({ k: 10 });
  replaceChildren(tryRecs, ...recs.items.map((item) => el('li', { 'data-item': item.itemId }, item.title ?? item.itemId)));
}
tryItem.addEventListener('change', () => void showTry());
