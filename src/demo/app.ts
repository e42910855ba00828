/**
 * The demo page's UI over a `DemoEngine`: "For you" (steerable recommendations), "Find films" (the
 * catalog) and "Your ratings" (the on-device history, storage). DOM order is the reading order on
 * every screen: "For you" first. Below 680 px the three panels become tabs with a sticky bar, and a
 * sticky strip shows the current top picks while another tab is open, so a rating's effect is always
 * in view. Every card shows your rating (press it again to remove it); a film has one rating.
 * Re-renders keep keyboard focus on the acted-on control, or on the control now in its place, and
 * the live region says what changed.
 */
import { el, formatBytes, replaceChildren } from './dom.ts';
import type { DemoEngine, DemoEvent, DemoItem, DemoRecommendation, DemoRecommendRequest, DemoStatus } from './engine-port.ts';
import { becauseSentence } from './explain.ts';
import { outcomeLabel, positiveOutcomes } from './outcome-labels.ts';
import { formatSid, sidSwatchStyle } from './sid-visual.ts';
import { predictionText } from './prediction.ts';

const PAGE_SIZE = 30;
const RECOMMENDATIONS = 20;
/** Titles in the sticky "For you" strip. */
const STRIP = 3;

/** What the page around the app provides (header status, live region, the deleted screen). */
export interface DemoShell {
  showStatus(status: DemoStatus): void;
  /** Says `text` through the page's ARIA live region. */
  announce(text: string): void;
  /** Called after "Delete everything" succeeded. */
  deleted(): void;
}

/** The mounted app, for the skip links. */
export interface MountedDemo {
  skipTo(target: 'recs' | 'search' | 'history'): void;
}

type Tab = 'recs' | 'catalog' | 'history';

/** Mutable UI state: the filters and steering controls. */
interface ViewState {
  tab: Tab;
  query: string;
  genre: string;
  decade: string;
  shown: number;
  /** Share given to the first positive outcome (e.g. love); the rest goes to the second. */
  budgetFirst: number;
  horizon: string;
  mode: 'embedding' | 'sid' | 'sid+rerank';
  order: 'retrieval' | 'utility';
}

/** Which control had focus inside a list, to put it back after the list is rebuilt. */
interface FocusMark {
  itemId: string;
  action: string;
  index: number;
}

/** Mounts the demo into `root` and returns when the first render is done. */
export async function mountDemo(root: HTMLElement, engine: DemoEngine, shell: DemoShell): Promise<MountedDemo> {
  const itemsById = new Map(engine.catalog.map((item) => [item.id, item]));
  const genres = [...new Set(engine.catalog.flatMap((item) => item.genres))].sort();
  const decades = [...new Set(engine.catalog.map((item) => decadeOf(item.year)).filter((d) => d !== ''))].sort();
  const positives = positiveOutcomes(engine.outcomes);
  const state: ViewState = {
    tab: 'recs',
    query: '',
    genre: '',
    decade: '',
    shown: PAGE_SIZE,
    budgetFirst: 70,
    horizon: engine.horizons[0] ?? 'all',
    mode: 'embedding',
    order: 'retrieval',
  };
  let history: DemoEvent[] = await engine.history();
  let ratings = new Map(history.map((event) => [event.itemId, event.outcome]));
  let recommendationRun = 0;
  let lastStatus: DemoStatus | undefined;

  const titleOf = (itemId: string): string => itemsById.get(itemId)?.title ?? itemId;

  // --- tabs (phone) and the sticky "For you" strip ---
  const tabButtons = new Map<Tab, HTMLButtonElement>();
  const tabBar = el('nav', { class: 'tabs', 'aria-label': 'Sections' });
  for (const [tab, text] of [
    ['recs', 'For you'],
    ['catalog', 'Find films'],
    ['history', 'Ratings'],
  ] as [Tab, string][]) {
    const button = el(
      'button',
      { type: 'button', id: `tab-${tab}`, 'data-tab': tab, 'aria-pressed': 'false', onclick: () => selectTab(tab, true) },
      text,
    );
    tabButtons.set(tab, button);
    tabBar.append(button);
  }
  const stripText = el('span', { class: 'strip-text', id: 'picks-strip-text' });
  const strip = el(
    'button',
    { type: 'button', class: 'picks-strip', id: 'picks-strip', onclick: () => selectTab('recs', true) },
    el('span', { class: 'strip-label' }, 'For you: '),
    stripText,
  );

  // --- For you ---
  const budgetSlider = el('input', { type: 'range', id: 'budget', min: 0, max: 100, step: 10, value: state.budgetFirst });
  const budgetText = el('span', { id: 'budget-text' });
  const horizonSelect = el(
    'select',
    { id: 'horizon' },
    ...engine.horizons.map((h) => el('option', { value: h }, horizonLabel(h))),
    el('option', { value: 'all' }, 'Any time (all horizons at once)'),
  );
  const modeSelect = el(
    'select',
    { id: 'mode' },
    el('option', { value: 'embedding' }, 'Closest matches (embedding top-k)'),
    el(
      'option',
      { value: 'sid', disabled: !engine.sidAvailable },
      engine.sidAvailable ? 'Generated codes (SID beam search)' : 'Generated codes (this model has no SID head)',
    ),
    el(
      'option',
      { value: 'sid+rerank', disabled: !engine.sidAvailable },
      engine.sidAvailable
        ? 'Generated, then re-scored (SID beam + embedding)'
        : 'Generated, then re-scored (this model has no SID head)',
    ),
  );
  const orderSelect = el(
    'select',
    { id: 'order' },
    el('option', { value: 'retrieval' }, 'As retrieved'),
    el(
      'option',
      { value: 'utility', disabled: !engine.rankingAvailable },
      engine.rankingAvailable
        ? 'Best predicted rating (ranking head: love +1, watch +0.3, not for me −1)'
        : 'Best predicted rating (this model has no ranking head)',
    ),
  );
  const recsMeta = el('p', { class: 'stat', id: 'recs-meta' });
  const recsList = el('ol', { class: 'cards', id: 'recs-list', 'aria-labelledby': 'recs-heading' });
  const budgetControl =
    positives.length >= 2
      ? el(
          'label',
          {},
          el('span', {}, `More “${outcomeLabel(positives[0]!)}” or more “${outcomeLabel(positives[1]!)}”`),
          budgetSlider,
          budgetText,
        )
      : null;
  const steer = el(
    'details',
    { class: 'steer', id: 'steer' },
    el('summary', {}, 'Adjust the list'),
    el(
      'div',
      { class: 'controls' },
      budgetControl,
      el('label', {}, 'When', horizonSelect),
      el('label', {}, 'How', modeSelect),
      el('label', {}, 'Order', orderSelect),
    ),
  );
  const recsHeading = el('h2', { id: 'recs-heading', tabindex: -1 }, 'For you');
  const recsPanel = el(
    'section',
    { class: 'panel', id: 'panel-recs', 'data-panel': 'recs', 'aria-labelledby': 'recs-heading' },
    recsHeading,
    recsMeta,
    steer,
    recsList,
  );

  // --- Find films ---
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
  const catalogList = el('ul', { class: 'cards', id: 'catalog-list', 'aria-labelledby': 'catalog-heading' });
  const catalogCount = el('p', { class: 'stat', id: 'catalog-count' });
  const moreButton = el('button', { type: 'button', id: 'catalog-more' }, 'Show more');
  const catalogHeading = el('h2', { id: 'catalog-heading', tabindex: -1 }, 'Find films');
  const catalogPanel = el(
    'section',
    { class: 'panel', id: 'panel-catalog', 'data-panel': 'catalog', 'aria-labelledby': 'catalog-heading' },
    catalogHeading,
    el(
      'div',
      { class: 'controls', role: 'search' },
      el('label', {}, 'Search by title', searchInput),
      el('label', {}, 'Genre', genreSelect),
      el('label', {}, 'Year', decadeSelect),
    ),
    catalogCount,
    catalogList,
    moreButton,
  );

  // --- Your ratings and storage ---
  const historyList = el('ul', { class: 'cards', id: 'history-list', 'aria-labelledby': 'history-heading' });
  const clearButton = el('button', { type: 'button', id: 'history-clear', class: 'danger' }, 'Remove all ratings');
  const storageText = el('p', { class: 'stat', id: 'storage-text' });
  const persistButton = el('button', { type: 'button', id: 'storage-persist' }, 'Keep my data (ask the browser not to clear it)');
  const deleteButton = el('button', { type: 'button', id: 'storage-delete', class: 'danger' }, 'Delete everything');
  const historyHeading = el('h2', { id: 'history-heading', tabindex: -1 }, 'Your ratings');
  const historyPanel = el(
    'section',
    { class: 'panel', id: 'panel-history', 'data-panel': 'history', 'aria-labelledby': 'history-heading' },
    historyHeading,
    el('p', { class: 'stat' }, 'Kept on this device only.'),
    historyList,
    clearButton,
    el('h3', { id: 'storage-heading' }, 'Storage'),
    storageText,
    el('div', { class: 'controls' }, persistButton, deleteButton),
  );

  const layout = el('main', { class: 'layout', id: 'layout', 'data-tab': state.tab }, recsPanel, catalogPanel, historyPanel);
  const errors = el('div', { id: 'action-errors' });
  replaceChildren(root, el('div', { class: 'phone-bar' }, tabBar, strip), errors, layout);

  function selectTab(tab: Tab, focus: boolean): void {
    state.tab = tab;
    layout.dataset.tab = tab;
    strip.hidden = tab === 'recs';
    for (const [name, button] of tabButtons) button.setAttribute('aria-pressed', String(name === tab));
    if (focus && isPhone()) {
      if (tab === 'catalog') searchInput.focus();
      else (tab === 'recs' ? recsHeading : historyHeading).focus();
      window.scrollTo({ top: 0 });
    }
  }

  // --- cards ---
  function ratingButtons(item: DemoItem): HTMLElement {
    return el(
      'div',
      { class: 'card-actions', role: 'group', 'aria-label': `Rate ${item.title}` },
      ...engine.outcomes.map((outcome) =>
        el(
          'button',
          {
            type: 'button',
            class: `rate outcome-${outcome}`,
            'data-outcome': outcome,
            'data-action': outcome,
            'aria-pressed': 'false',
            'aria-label': `${outcomeLabel(outcome)}: ${item.title}`,
            onclick: () => void onRate(item.id, outcome),
          },
          outcomeLabel(outcome),
        ),
      ),
    );
  }

  function card(item: DemoItem, extra: (Node | null)[]): HTMLLIElement {
    const meta = [item.year ? String(item.year) : '', item.genres.join(', ')].filter(Boolean).join(' · ');
    const li = el(
      'li',
      { class: 'card', 'data-item-id': item.id },
      el('div', { class: 'swatch', style: sidSwatchStyle(item.sid, engine.codebookSize), 'aria-hidden': 'true' }),
      el(
        'div',
        { class: 'card-body' },
        el('div', { class: 'card-title' }, item.title),
        el('div', { class: 'card-meta' }, meta),
        el('div', { class: 'card-rating', 'aria-live': 'off' }),
        ...extra,
        ratingButtons(item),
      ),
    );
    syncCard(li);
    return li;
  }

  /** Shows the current rating on a card (pressed button, "Your rating" line). */
  function syncCard(li: HTMLElement): void {
    const itemId = li.dataset.itemId ?? '';
    const rating = ratings.get(itemId);
    li.classList.toggle('rated', rating !== undefined);
    const line = li.querySelector('.card-rating');
    if (line) line.textContent = rating ? `Your rating: ${outcomeLabel(rating)}` : '';
    for (const button of li.querySelectorAll<HTMLButtonElement>('button.rate')) {
      const pressed = button.dataset.outcome === rating;
      button.setAttribute('aria-pressed', String(pressed));
      button.title = pressed ? 'Your rating. Press again to remove it.' : '';
    }
  }

  function syncAllCards(): void {
    for (const li of root.querySelectorAll<HTMLElement>('#catalog-list > li.card, #recs-list > li.card')) syncCard(li);
  }

  /** Rebuilds `list` with `render`, keeping keyboard focus on the same control (or the one now in its place). */
  function keepingFocus(list: HTMLElement, heading: HTMLElement, render: () => void): void {
    const active = document.activeElement;
    let mark: FocusMark | undefined;
    if (active instanceof HTMLElement && list.contains(active)) {
      const row = active.closest<HTMLElement>('li.card');
      const rows = [...list.querySelectorAll<HTMLElement>(':scope > li.card')];
      if (row) mark = { itemId: row.dataset.itemId ?? '', action: active.dataset.action ?? '', index: rows.indexOf(row) };
    }
    render();
    if (!mark) return;
    const rows = [...list.querySelectorAll<HTMLElement>(':scope > li.card')];
    const row = rows.find((r) => r.dataset.itemId === mark.itemId) ?? rows[Math.min(mark.index, rows.length - 1)];
    const target =
      row?.querySelector<HTMLElement>(`[data-action="${CSS.escape(mark.action)}"]`) ??
      row?.querySelector<HTMLElement>('button') ??
      heading;
    target.focus();
  }

  // --- catalog ---
  function filteredCatalog(): DemoItem[] {
    const query = state.query.trim().toLowerCase();
    return engine.catalog.filter(
      (item) =>
        (query === '' || item.title.toLowerCase().includes(query) || item.rawTitle.toLowerCase().includes(query)) &&
        (state.genre === '' || item.genres.includes(state.genre)) &&
        (state.decade === '' || decadeOf(item.year) === state.decade),
    );
  }

  function renderCatalog(): void {
    const matches = filteredCatalog();
    // Popular first, so the first screen holds films people know.
    matches.sort((a, b) => b.popularity - a.popularity);
    const visible = matches.slice(0, state.shown);
    catalogCount.textContent = `${matches.length.toLocaleString()} of ${engine.catalog.length.toLocaleString()} films`;
    keepingFocus(catalogList, catalogHeading, () => {
      replaceChildren(catalogList, ...visible.map((item) => card(item, [])));
      if (matches.length === 0) catalogList.append(el('li', { class: 'empty' }, 'No film matches these filters.'));
    });
    moreButton.hidden = matches.length <= state.shown;
  }

  // --- ratings ---
  function renderHistory(): void {
    tabButtons.get('history')!.textContent = history.length > 0 ? `Ratings (${history.length})` : 'Ratings';
    clearButton.disabled = history.length === 0;
    keepingFocus(historyList, historyHeading, () => {
      if (history.length === 0) {
        replaceChildren(historyList, el('li', { class: 'empty' }, 'Nothing yet. Rate a few films you know.'));
        return;
      }
      const rows = [...history].reverse().map((event) => {
        const item = itemsById.get(event.itemId);
        const title = item?.title ?? event.itemId;
        const remove = el(
          'button',
          {
            type: 'button',
            class: 'history-remove',
            'data-action': 'remove',
            'aria-label': `Remove your rating of ${title}`,
            onclick: () => void onUnrate(event.itemId),
          },
          'Remove',
        );
        return el(
          'li',
          { class: 'card rated', 'data-item-id': event.itemId },
          el('div', { class: 'swatch', style: sidSwatchStyle(item?.sid, engine.codebookSize), 'aria-hidden': 'true' }),
          el(
            'div',
            { class: 'card-body' },
            el('div', { class: 'card-title' }, title),
            el(
              'div',
              { class: `card-meta outcome-${event.outcome}` },
              `${outcomeLabel(event.outcome)}${item?.year ? ` · ${item.year}` : ''}`,
            ),
            el('div', { class: 'card-actions' }, remove),
          ),
        );
      });
      replaceChildren(historyList, ...rows);
    });
  }

  // --- For you ---
  function request(): DemoRecommendRequest {
    const budget: Record<string, number> = {};
    if (positives.length >= 2) {
      budget[positives[0]!] = state.budgetFirst / 100;
      budget[positives[1]!] = 1 - state.budgetFirst / 100;
    } else if (positives.length === 1) {
      budget[positives[0]!] = 1;
    }
    return { k: RECOMMENDATIONS, outcomeBudget: budget, horizon: state.horizon, mode: state.mode, order: state.order };
  }

  function showPicks(ids: string[]): void {
    stripText.textContent = ids.slice(0, STRIP).map(titleOf).join(' · ') + (ids.length > STRIP ? ' …' : '');
    strip.dataset.ids = ids.join(',');
  }

  function whyThis(rec: DemoRecommendation, item: DemoItem): HTMLElement {
    const closest = rec.closestHistory.map((c) => ({ title: titleOf(c.itemId), outcome: ratings.get(c.itemId) }));
    const closestTech = rec.closestHistory.map((c) => `${titleOf(c.itemId)} (cosine ${c.similarity.toFixed(2)})`).join('; ');
    return el(
      'details',
      { class: 'why' },
      el('summary', {}, 'Why this?'),
      el('p', { class: 'why-words' }, becauseSentence(closest, rec.outcome)),
      el(
        'details',
        { class: 'why-tech' },
        el('summary', {}, 'Technical detail'),
        el('div', {}, `Semantic ID ${formatSid(item.sid)}`),
        rec.outcome
          ? el(
              'div',
              {},
              `Query: outcome “${rec.outcome}”${rec.horizon ? `, horizon ${rec.horizon}` : ''}; score ${rec.score.toFixed(3)}`,
            )
          : null,
        el('div', {}, `Closest in your ratings: ${closestTech || 'n/a'}`),
      ),
    );
  }

  async function renderRecommendations(): Promise<string[]> {
    const run = ++recommendationRun;
    if (history.length === 0) {
      const popular = [...engine.catalog].sort((a, b) => b.popularity - a.popularity).slice(0, RECOMMENDATIONS);
      recsMeta.textContent = 'You have not rated anything yet, so these are the most popular films. Rate a few to make it yours.';
      keepingFocus(recsList, recsHeading, () => replaceChildren(recsList, ...popular.map((item) => card(item, []))));
      showPicks(popular.map((item) => item.id));
      return popular.map((item) => item.id);
    }
    recsList.setAttribute('aria-busy', 'true');
    const { items, millis } = await engine.recommend(request());
    if (run !== recommendationRun) return []; // a newer request superseded this one
    const how =
      state.mode === 'sid' ? 'generated codes' : state.mode === 'sid+rerank' ? 'generated codes, re-scored' : 'closest matches';
    const where = lastStatus ? (lastStatus.backend === 'webgpu' ? 'graphics card' : 'CPU') : 'device';
    recsMeta.textContent = `Picked for you from your ${history.length} rating${history.length === 1 ? '' : 's'} in ${millis.toFixed(0)} ms on your ${where} (${how}).`;
    recsMeta.dataset.millis = String(millis);
    recsMeta.dataset.kind = state.mode;
    const rows = items.flatMap((rec) => {
      const item = itemsById.get(rec.itemId);
      const predicted = rec.prediction ? el('div', { class: 'card-prediction' }, predictionText(rec.prediction)) : null;
      return item ? [card(item, [predicted, whyThis(rec, item)])] : [];
    });
    keepingFocus(recsList, recsHeading, () => replaceChildren(recsList, ...rows));
    recsList.setAttribute('aria-busy', 'false');
    showPicks(items.map((rec) => rec.itemId));
    return items.map((rec) => rec.itemId);
  }

  async function renderStatus(): Promise<void> {
    lastStatus = await engine.status();
    shell.showStatus(lastStatus);
  }

  async function renderStorage(): Promise<void> {
    if (!navigator.storage?.estimate) {
      storageText.textContent = 'This browser does not report storage use.';
      return;
    }
    const { usage, quota } = await navigator.storage.estimate();
    const persisted = navigator.storage.persisted ? await navigator.storage.persisted() : false;
    storageText.textContent = `This page stores ${formatBytes(usage ?? NaN)} (the model and your ratings) of the ${formatBytes(quota ?? NaN)} the browser allows; ${persisted ? 'kept until you delete it' : 'the browser may clear it when space runs low'}.`;
  }

  function showError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    errors.append(el('p', { class: 'notice error', role: 'alert' }, `That did not work: ${message}`));
  }

  // --- actions ---
  async function afterHistoryChange(said: string): Promise<void> {
    history = await engine.history();
    ratings = new Map(history.map((event) => [event.itemId, event.outcome]));
    syncAllCards();
    renderHistory();
    const ids = await renderRecommendations();
    const top = ids.slice(0, 2).map(titleOf);
    shell.announce(`${said} For you is updated${top.length > 0 ? `: first ${top.join(', then ')}` : ''}.`);
    void renderStorage();
  }

  async function onRate(itemId: string, outcome: string): Promise<void> {
    try {
      const previous = ratings.get(itemId);
      if (previous === outcome) {
        await engine.unrate(itemId);
        await afterHistoryChange(`Removed your rating of ${titleOf(itemId)}.`);
      } else {
        await engine.rate(itemId, outcome);
        await afterHistoryChange(
          `${titleOf(itemId)}: ${outcomeLabel(outcome)}${previous ? ` (was ${outcomeLabel(previous)})` : ''}.`,
        );
      }
    } catch (error) {
      showError(error);
    }
  }

  async function onUnrate(itemId: string): Promise<void> {
    try {
      await engine.unrate(itemId);
      await afterHistoryChange(`Removed your rating of ${titleOf(itemId)}.`);
    } catch (error) {
      showError(error);
    }
  }

  const refresh = (): void => {
    void renderRecommendations().catch(showError);
  };
  const onFilter = (apply: () => void) => () => {
    apply();
    state.shown = PAGE_SIZE;
    renderCatalog();
  };
  searchInput.addEventListener(
    'input',
    onFilter(() => (state.query = searchInput.value)),
  );
  genreSelect.addEventListener(
    'change',
    onFilter(() => (state.genre = genreSelect.value)),
  );
  decadeSelect.addEventListener(
    'change',
    onFilter(() => (state.decade = decadeSelect.value)),
  );
  moreButton.addEventListener('click', () => {
    const firstNew = state.shown;
    state.shown += PAGE_SIZE;
    renderCatalog();
    // Keyboard users continue at the first new film rather than at the end of the list.
    catalogList.querySelectorAll<HTMLElement>(':scope > li.card')[firstNew]?.querySelector('button')?.focus();
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
  orderSelect.addEventListener('change', () => {
    state.order = orderSelect.value === 'utility' ? 'utility' : 'retrieval';
    refresh();
  });
  modeSelect.addEventListener('change', () => {
    const mode = modeSelect.value;
    state.mode = mode === 'sid' || mode === 'sid+rerank' ? mode : 'embedding';
    refresh();
  });
  clearButton.addEventListener('click', () => {
    if (!confirm('Remove all your ratings from this device?')) return;
    void (async () => {
      await engine.clearHistory();
      await afterHistoryChange('All ratings removed.');
      historyHeading.focus();
    })().catch(showError);
  });
  persistButton.addEventListener('click', () => {
    void (async () => {
      const granted = navigator.storage?.persist ? await navigator.storage.persist() : false;
      persistButton.textContent = granted
        ? 'Your data is kept until you delete it'
        : 'The browser declined; it may clear the data when space runs low';
      await renderStorage();
    })().catch(showError);
  });
  deleteButton.addEventListener('click', () => {
    if (!confirm('Delete the model and your ratings from this browser?')) return;
    void (async () => {
      await engine.deleteEverything();
      shell.deleted();
    })().catch(showError);
  });

  selectTab('recs', false);
  updateBudgetText();
  renderCatalog();
  renderHistory();
  await Promise.all([renderStatus(), renderStorage(), renderRecommendations()]);

  return {
    skipTo(target) {
      const tab: Tab = target === 'search' ? 'catalog' : target;
      selectTab(tab, false);
      const focusTarget = target === 'search' ? searchInput : target === 'recs' ? recsHeading : historyHeading;
      focusTarget.focus();
      focusTarget.scrollIntoView({ block: 'start' });
    },
  };
}

function isPhone(): boolean {
  return window.matchMedia('(max-width: 680px)').matches;
}

function horizonLabel(horizon: string): string {
  const labels: Record<string, string> = { next: 'Next (what you watch next)', soon: 'Soon', later: 'Later' };
  return labels[horizon] ?? horizon;
}

function decadeOf(year: number | undefined): string {
  return year && Number.isFinite(year) ? `${Math.floor(year / 10) * 10}s` : '';
}
