/**
 * A fresh Vite + TypeScript app that installs pocketrec from its tarball, following only the README's
 * "Use it in your app". tests/consumer/consumer.spec.ts drives it through `window.consumer`.
 */
import { createRecommender, PocketrecError, UnknownItemError, type LoadProgress } from 'pocketrec';
import { enableOffline } from './offline.ts';

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const progress: LoadProgress[] = [];

await enableOffline();
const recommender = await createRecommender({
  modelUrl: '/model/manifest.json',
  onProgress: (p) => {
    progress.push(p);
    $('status').textContent = `${p.phase}…`;
  },
});
$('status').textContent = `ready: ${recommender.loaded.backend}, model from ${recommender.loaded.modelSource}`;

/** Records a few loves and returns the recommendations' ids, shown in the list. */
async function recordAndRecommend(itemIds: string[]): Promise<string[]> {
  await recommender.record(itemIds.map((itemId) => ({ itemId, outcome: 'love' })));
  const { items } = await recommender.recommend({ k: 5 });
  $('recommendations').replaceChildren(
    ...items.map((item) => Object.assign(document.createElement('li'), { textContent: item.title ?? item.itemId })),
  );
  return items.map((item) => item.itemId);
}

/** Records an id the model does not know: the worker's typed error, as the app sees it. */
async function recordUnknown(): Promise<{ name: string; isUnknownItem: boolean; isPocketrecError: boolean; itemIds: string[] }> {
  try {
    await recommender.record({ itemId: 'no-such-item', outcome: 'love' });
    return { name: 'none', isUnknownItem: false, isPocketrecError: false, itemIds: [] };
  } catch (error) {
    return {
      name: (error as Error).name,
      isUnknownItem: error instanceof UnknownItemError,
      isPocketrecError: error instanceof PocketrecError,
      itemIds: error instanceof UnknownItemError ? error.itemIds : [],
    };
  }
}

const consumer = {
  progress,
  loaded: recommender.loaded,
  recordAndRecommend,
  recordUnknown,
  history: async () => (await recommender.history()).map((event) => event.itemId),
  firstItems: async (n: number) => (await recommender.catalog()).slice(0, n).map((item) => item.itemId),
};
declare global {
  interface Window {
    consumer: typeof consumer;
  }
}
window.consumer = consumer;
