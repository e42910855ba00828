/**
 * A minimal host app: it imports `pocketrec` by package name, as an app that installs the package does
 * (in this repository vite.config.ts and tsconfig.browser.json map the name to src/client). It loads the
 * shipped model in the default worker, seeds a short history on first visit, lists
 * recommendations, and records a "love" when the user clicks one.
 */
import { createRecommender, PocketrecError, UnknownItemError, type Recommender } from 'pocketrec';

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const MODEL_URL = new URL('/models/ml-latest-small/manifest.json', location.href);

async function show(recommender: Recommender): Promise<void> {
  const { items } = await recommender.recommend({ k: 10, outcomeBudget: { love: 0.7, watch: 0.3 } });
  const list = $('recommendations');
  list.replaceChildren(
    ...items.map((item) => {
      const li = document.createElement('li');
      li.textContent = `${item.title ?? item.itemId} `;
      li.dataset.itemId = item.itemId;
      const love = document.createElement('button');
      love.textContent = '♥ love';
      love.onclick = async () => {
        await recommender.record({ itemId: item.itemId, outcome: 'love' });
        await show(recommender);
      };
      li.append(love);
      return li;
    }),
  );
}

async function main(): Promise<void> {
  const recommender = await createRecommender({
    modelUrl: MODEL_URL,
    namespace: 'embed-example',
    onProgress: ({ phase, loadedBytes, totalBytes }) => {
      $('status').textContent = `${phase}…`;
      if (phase === 'download' && totalBytes > 0) ($('progress') as HTMLProgressElement).value = loadedBytes / totalBytes;
    },
  });
  const status = recommender.loaded;
  $('engine').textContent =
    `backend ${status.backend}${status.fallback ? ` (fell back from ${status.fallback.from}: ${status.fallback.reason})` : ''}, ` +
    `model ${status.modelVersion} from ${status.modelSource}, ${status.itemCount} items`;
  if (status.historyLength === 0) {
    try {
      await recommender.record([
        { itemId: '1', outcome: 'love' }, // Toy Story
        { itemId: '2571', outcome: 'love' }, // The Matrix
      ]);
    } catch (error) {
      if (!(error instanceof UnknownItemError)) throw error; // another catalog: start without a history
    }
  }
  await show(recommender);
  ($('progress') as HTMLProgressElement).value = 1;
  $('status').textContent = 'ready';
}

main().catch((error: unknown) => {
  $('status').textContent = 'failed';
  $('error').textContent = error instanceof PocketrecError ? `${error.name} (${error.code}): ${error.message}` : String(error);
});
