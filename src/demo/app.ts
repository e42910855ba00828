/**
 * The demo page's UI: catalog explorer, the on-device history, steerable recommendations and a
 * storage panel, over a `DemoEngine`. Every action re-renders the affected panels and immediately
 * asks for fresh recommendations, showing that call's latency and the backend that served it.
 */
import { el, formatBytes, replaceChildren } from './dom.ts';
import type { DemoEngine, DemoEvent, DemoItem, DemoRecommendRequest, DemoStatus } from './engine-port.ts';
import { outcomeLabel, positiveOutcomes } from './outcome-labels.ts';
import { formatSid, sidSwatchStyle } from './sid-visual.ts';

const PAGE_SIZE = 30;
const RECOMMENDATIONS = 20;

/** Mutable UI state: the filters and steering controls. */
interface ViewState {
  query: string;
  genre: string;
  decade: string;
  shown: number;
  /** Share given to the first positive outcome (e.g. love); the rest goes to the second. */
  budgetFirst: number;
  horizon: string;
  mode: 'embedding' | 'sid';
}

/** Mounts the demo into `root` and returns when the first render is done. */
export async function mountDemo(root: HTMLElement, engine: DemoEngine): Promise<void> {
  const itemsById = new Map(engine.catalog.map((item) => [item.id, item]));
  const genres = [...new Set(engine.catalog.flatMap((item) => item.genres))].sort();
  const decades = [...new Set(engine.catalog.map((item) => decadeOf(item.year)).filter((d) => d !== ''))].sort();
  const positives = positiveOutcomes(engine.outcomes);
  const state: ViewState = {
    query: '',
    genre: '',
    decade: '',
    shown: PAGE_SIZE,
    budgetFirst: 70,
    horizon: engine.horizons[0] ?? 'all',
    mode: 'embedding',
  };
  let history: DemoEvent[] = await engine.history();
  let recommendationRun = 0;

  // --- header and notices ---
  const backendBadge = el('span', { class: 'badge', id: 'backend-badge', 'aria-live': 'polite' });
  const notices = el('div', { id: 'notices' });
  const header = el(
    'header',
    { class: 'app-header' },
    el('h1', {}, 'pocketrec'),
    el('span', { class: 'stat' }, 'Generative recommendations computed in your browser; your history never leaves this device.'),
    backendBadge,
  );

  // --- catalog explorer ---
  const searchInput = el('input', { type: 'search', id: 'search', placeholder: 'Title…', autocomplete: 'off' });
  const genreSelect = el(
    'select',
    { id: 'genre' },
    el('option', { value: '' }, 'All genres'),
    ...genres.map((g) => el('option', { value: g }, g)),
  );
  const decadeSelect = el(
    'select',
    { id: 'decade' },
    el('option', { value: '' }, 'Any year'),
    ...decades.map((d) => el('option', { value: d }, d)),
  );
  const catalogList = el('ul', { class: 'cards', id: 'catalog-list', 'aria-label': 'Catalog' });
  const catalogCount = el('p', { class: 'stat', id: 'catalog-count' });
  const moreButton = el('button', { type: 'button', id: 'catalog-more' }, 'Show more');
  const catalogPanel = el(
    'section',
    { class: 'panel', 'aria-labelledby': 'catalog-heading' },
    el('h2', { id: 'catalog-heading' }, 'Catalog'),
    el(
      'div',
      { class: 'controls' },
      el('label', {}, 'Search by title', searchInput),
      el('label', {}, 'Genre', genreSelect),
      el('label', {}, 'Year', decadeSelect),
    ),
    catalogCount,
    catalogList,
    moreButton,
  );

  // --- recommendations ---
  const budgetSlider = el('input', { type: 'range', id: 'budget', min: 0, max: 100, step: 10, value: state.budgetFirst });
  const budgetText = el('span', { id: 'budget-text' });
  const horizonSelect = el(
    'select',
    { id: 'horizon' },
    ...engine.horizons.map((h) => el('option', { value: h }, h)),
    el('option', { value: 'all' }, 'all horizons (multi-token)'),
  );
  const modeSelect = el(
    'select',
    { id: 'mode' },
    el('option', { value: 'embedding' }, 'Embedding top-k'),
    el(
      'option',
      { value: 'sid', disabled: !engine.sidAvailable },
      engine.sidAvailable ? 'SID generation (beam search)' : 'SID generation (this model has no SIDs)',
    ),
  );
  const recsMeta = el('p', { class: 'stat', id: 'recs-meta', 'aria-live': 'polite' });
  const recsList = el('ol', { class: 'cards', id: 'recs-list', 'aria-label': 'Recommendations' });
  const budgetControl =
    positives.length >= 2
      ? el(
          'label',
          {},
          el('span', {}, `Favour “${outcomeLabel(positives[0]!)}” vs “${outcomeLabel(positives[1]!)}”`),
          budgetSlider,
          budgetText,
        )
      : null;
  const recsPanel = el(
    'section',
    { class: 'panel', 'aria-labelledby': 'recs-heading' },
    el('h2', { id: 'recs-heading' }, 'For you'),
    el(
      'div',
      { class: 'controls' },
      budgetControl,
      el('label', {}, 'Horizon', horizonSelect),
      el('label', {}, 'Retrieval', modeSelect),
    ),
    recsMeta,
    recsList,
  );

  // --- history and storage ---
  const historyList = el('ul', { class: 'cards', id: 'history-list', 'aria-label': 'Your history' });
  const clearButton = el('button', { type: 'button', id: 'history-clear', class: 'danger' }, 'Clear history');
  const storageText = el('p', { class: 'stat', id: 'storage-text' });
  const persistButton = el('button', { type: 'button', id: 'storage-persist' }, 'Keep data (persistent storage)');
  const deleteButton = el('button', { type: 'button', id: 'storage-delete', class: 'danger' }, 'Delete everything');
  const sidePanel = el(
    'section',
    { class: 'panel', 'aria-labelledby': 'history-heading' },
    el('h2', { id: 'history-heading' }, 'Your history (on this device)'),
    historyList,
    clearButton,
    el('h2', { id: 'storage-heading' }, 'Storage'),
    storageText,
    el('div', { class: 'controls' }, persistButton, deleteButton),
  );

  replaceChildren(
    root,
    header,
    notices,
    el('main', { class: 'layout' }, catalogPanel, recsPanel, sidePanel),
    el('footer', { class: 'attribution' }, engine.attribution),
  );

  // --- rendering ---
  function card(item: DemoItem, extra: (Node | null)[], actions: Node | null): HTMLLIElement {
    const meta = [item.year ? String(item.year) : '', item.genres.join(', ')].filter(Boolean).join(' · ');
    return el(
      'li',
      { class: 'card', 'data-item-id': item.id },
      el('div', { class: 'swatch', style: sidSwatchStyle(item.sid, engine.codebookSize), 'aria-hidden': 'true' }),
      el('div', {}, el('div', { class: 'card-title' }, item.title), el('div', { class: 'card-meta' }, meta), ...extra, actions),
    );
  }

  function actionButtons(item: DemoItem): HTMLElement {
    return el(
      'div',
      { class: 'card-actions', role: 'group', 'aria-label': `Act on ${item.title}` },
      ...engine.outcomes.map((outcome) =>
        el(
          'button',
          {
            type: 'button',
            class: `outcome-${outcome}`,
            'data-outcome': outcome,
            'aria-label': `${outcomeLabel(outcome)}: ${item.title}`,
            onclick: () => void act(item.id, outcome),
          },
          outcomeLabel(outcome),
        ),
      ),
    );
  }

  function filteredCatalog(): DemoItem[] {
    const query = state.query.trim().toLowerCase();
    return engine.catalog.filter(
      (item) =>
        (query === '' || item.title.toLowerCase().includes(query)) &&
        (state.genre === '' || item.genres.includes(state.genre)) &&
        (state.decade === '' || decadeOf(item.year) === state.decade),
    );
  }

  function renderCatalog(): void {
    const matches = filteredCatalog();
    // Popular first when browsing, so the first screen holds movies people know.
    if (state.query === '') matches.sort((a, b) => b.popularity - a.popularity);
    const visible = matches.slice(0, state.shown);
    catalogCount.textContent = `${matches.length.toLocaleString()} of ${engine.catalog.length.toLocaleString()} movies`;
    replaceChildren(catalogList, ...visible.map((item) => card(item, [], actionButtons(item))));
    if (matches.length === 0) catalogList.append(el('li', { class: 'empty' }, 'No movie matches these filters.'));
    moreButton.hidden = matches.length <= state.shown;
  }

  function renderHistory(): void {
    if (history.length === 0) {
      replaceChildren(historyList, el('li', { class: 'empty' }, 'Nothing yet. Mark a few movies in the catalog.'));
      clearButton.disabled = true;
      return;
    }
    clearButton.disabled = false;
    const rows = history
      .map((event, index) => ({ event, index }))
      .reverse()
      .map(({ event, index }) => {
        const item = itemsById.get(event.itemId);
        const title = item?.title ?? event.itemId;
        return el(
          'li',
          { class: 'card', 'data-item-id': event.itemId },
          el('div', { class: 'swatch', style: sidSwatchStyle(item?.sid, engine.codebookSize), 'aria-hidden': 'true' }),
          el(
            'div',
            {},
            el('div', { class: 'card-title' }, title),
            el('div', { class: `card-meta outcome-${event.outcome}` }, outcomeLabel(event.outcome)),
            el(
              'button',
              {
                type: 'button',
                class: 'history-remove',
                'aria-label': `Remove ${title} from history`,
                onclick: () => void removeEvent(index),
              },
              'Remove',
            ),
          ),
        );
      });
    replaceChildren(historyList, ...rows);
  }

  function renderColdStart(): void {
    const popular = [...engine.catalog].sort((a, b) => b.popularity - a.popularity).slice(0, RECOMMENDATIONS);
    recsMeta.textContent = 'No history yet: the most popular movies. Act on a few to get personal recommendations.';
    replaceChildren(recsList, ...popular.map((item) => card(item, [], actionButtons(item))));
  }

  function request(): DemoRecommendRequest {
    const budget: Record<string, number> = {};
    if (positives.length >= 2) {
      budget[positives[0]!] = state.budgetFirst / 100;
      budget[positives[1]!] = 1 - state.budgetFirst / 100;
    } else if (positives.length === 1) {
      budget[positives[0]!] = 1;
    }
    return { k: RECOMMENDATIONS, outcomeBudget: budget, horizon: state.horizon, mode: state.mode };
  }

  async function renderRecommendations(): Promise<void> {
    if (history.length === 0) {
      renderColdStart();
      return;
    }
    const run = ++recommendationRun;
    recsList.setAttribute('aria-busy', 'true');
    const { items, millis } = await engine.recommend(request());
    if (run !== recommendationRun) return; // a newer request superseded this one
    const status = await engine.status();
    const how = state.mode === 'sid' ? 'SID beam search' : 'embedding top-k';
    recsMeta.textContent = `${items.length} recommendations in ${millis.toFixed(1)} ms on ${status.backend} · ${how}`;
    recsMeta.dataset.millis = String(millis);
    const rows = items.map((rec) => {
      const item = itemsById.get(rec.itemId);
      if (!item) return null;
      const closest = rec.closestHistory
        .map((c) => `${itemsById.get(c.itemId)?.title ?? c.itemId} (${c.similarity.toFixed(2)})`)
        .join('; ');
      const why = el(
        'details',
        { class: 'why' },
        el('summary', {}, 'Why this?'),
        el('div', {}, `SID ${formatSid(item.sid)}`),
        rec.outcome
          ? el('div', {}, `Retrieved by the “${outcomeLabel(rec.outcome)}” query${rec.horizon ? `, horizon ${rec.horizon}` : ''}`)
          : null,
        el('div', {}, `Closest in your history: ${closest || 'n/a'}`),
      );
      return card(item, [why], actionButtons(item));
    });
    replaceChildren(recsList, ...rows);
    recsList.setAttribute('aria-busy', 'false');
  }

  async function renderStatus(): Promise<void> {
    const status: DemoStatus = await engine.status();
    backendBadge.textContent = `${status.backend}${status.adapter ? ` · ${status.adapter}` : ''} · ${status.itemCount.toLocaleString()} items`;
    backendBadge.classList.toggle('warn', !!status.fallbackReason);
    replaceChildren(
      notices,
      status.fallbackReason
        ? el(
            'p',
            { class: 'notice', id: 'fallback-notice', role: 'status' },
            `Running on ${status.backend}: ${status.fallbackReason}`,
          )
        : null,
    );
  }

  async function renderStorage(): Promise<void> {
    if (!navigator.storage?.estimate) {
      storageText.textContent = 'This browser does not report storage use.';
      return;
    }
    const { usage, quota } = await navigator.storage.estimate();
    const persisted = navigator.storage.persisted ? await navigator.storage.persisted() : false;
    storageText.textContent = `Using ${formatBytes(usage ?? NaN)} of ${formatBytes(quota ?? NaN)}; ${persisted ? 'persistent' : 'may be cleared by the browser under storage pressure'}.`;
  }

  function showError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    notices.append(el('p', { class: 'notice error', role: 'alert' }, message));
  }

  // --- actions ---
  async function act(itemId: string, outcome: string): Promise<void> {
    try {
      await engine.record(itemId, outcome);
      history = await engine.history();
      renderHistory();
      await renderRecommendations();
      void renderStorage();
    } catch (error) {
      showError(error);
    }
  }

  async function removeEvent(index: number): Promise<void> {
    try {
      await engine.replaceHistory(history.filter((_, i) => i !== index));
      history = await engine.history();
      renderHistory();
      await renderRecommendations();
    } catch (error) {
      showError(error);
    }
  }

  const refresh = (): void => {
    void renderRecommendations().catch(showError);
  };
  searchInput.addEventListener('input', () => {
    state.query = searchInput.value;
    state.shown = PAGE_SIZE;
    renderCatalog();
  });
  genreSelect.addEventListener('change', () => {
    state.genre = genreSelect.value;
    state.shown = PAGE_SIZE;
    renderCatalog();
  });
  decadeSelect.addEventListener('change', () => {
    state.decade = decadeSelect.value;
    state.shown = PAGE_SIZE;
    renderCatalog();
  });
  moreButton.addEventListener('click', () => {
    state.shown += PAGE_SIZE;
    renderCatalog();
  });
  const updateBudgetText = (): void => {
    if (positives.length >= 2) budgetText.textContent = `${state.budgetFirst}% / ${100 - state.budgetFirst}%`;
  };
  budgetSlider.addEventListener('input', () => {
    state.budgetFirst = Number(budgetSlider.value);
    updateBudgetText();
  });
  budgetSlider.addEventListener('change', refresh);
  horizonSelect.value = state.horizon;
  horizonSelect.addEventListener('change', () => {
    state.horizon = horizonSelect.value;
    refresh();
  });
  modeSelect.addEventListener('change', () => {
    state.mode = modeSelect.value === 'sid' ? 'sid' : 'embedding';
    refresh();
  });
  clearButton.addEventListener('click', () => {
    if (!confirm('Remove your whole history from this device?')) return;
    void (async () => {
      await engine.replaceHistory([]);
      history = [];
      renderHistory();
      await renderRecommendations();
    })().catch(showError);
  });
  persistButton.addEventListener('click', () => {
    void (async () => {
      const granted = navigator.storage?.persist ? await navigator.storage.persist() : false;
      persistButton.textContent = granted ? 'Storage is persistent' : 'The browser declined persistent storage';
      await renderStorage();
    })().catch(showError);
  });
  deleteButton.addEventListener('click', () => {
    if (!confirm('Delete the model, the catalog and your history from this browser?')) return;
    void (async () => {
      await engine.deleteEverything();
      replaceChildren(
        root,
        el(
          'p',
          { class: 'notice', id: 'deleted-notice', role: 'status' },
          'Everything was deleted from this browser. Reload the page to download the model again.',
        ),
      );
    })().catch(showError);
  });

  updateBudgetText();
  renderCatalog();
  renderHistory();
  await Promise.all([renderStatus(), renderStorage(), renderRecommendations()]);
}

function decadeOf(year: number | undefined): string {
  return year && Number.isFinite(year) ? `${Math.floor(year / 10) * 10}s` : '';
}
