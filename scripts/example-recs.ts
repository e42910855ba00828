/**
 * One hand-made history through any `pocketrec eval --model` recommender: prints the top k (history
 * masked) with titles and genres, and the rank of chosen items. Issue 13's sci-fi check:
 *
 *   node --import tsx scripts/example-recs.ts --dataset ml-latest-small --model public/models/ml-latest-small/manifest.json \
 *     --loved 2571,260,589,1214,541 --rank-of 1196,1210
 *   node --import tsx scripts/example-recs.ts --dataset ml-latest-small --model cooc \
 *     --params window=20,forward=false,neighbors=200,lastN=5,decay=0.8 --loved 2571,260,589,1214,541
 *
 * The history is the loved items in the order given, all with the outcome `love` (or the dataset's
 * last outcome), one day apart. Baselines are fitted on the leave-one-out training split, as in eval.
 */
import { parseArgs } from 'node:util';
import { register } from 'node:module';

register('../bin/tfjs-esm-hook.mjs', import.meta.url);
const { loadDataset } = await import('../src/data/registry.ts');
const { leaveOneOutSplit } = await import('../src/data/splits.ts');
const { createEvalRecommender } = await import('../src/eval/recommenders.ts');

const { values } = parseArgs({
  options: {
    dataset: { type: 'string' },
    'data-dir': { type: 'string' },
    model: { type: 'string' },
    params: { type: 'string' },
    loved: { type: 'string' },
    'rank-of': { type: 'string' },
    k: { type: 'string', default: '10' },
  },
});
if (!values.dataset || !values.model || !values.loved) {
  console.error('usage: example-recs.ts --dataset <name> --model <spec> --loved id,id,... [--rank-of id,...] [--k 10]');
  process.exit(2);
}
const dataset = await loadDataset(values.dataset, values['data-dir'] ? { dataDir: values['data-dir'] } : {});
const index = new Map(dataset.catalog.ids.map((id, i) => [id, i]));
const dense = (ids: string): number[] =>
  ids.split(',').map((id) => {
    const i = index.get(id.trim());
    if (i === undefined) throw new Error(`item ${id} is not in ${dataset.name}`);
    return i;
  });
const loved = dense(values.loved);
const love = Math.max(0, dataset.outcomes.indexOf('love'));
const outcome = dataset.outcomes.includes('love') ? love : dataset.outcomes.length - 1;
const split = leaveOneOutSplit(dataset.sequences);
const rec = await createEvalRecommender({ model: values.model, ...(values.params ? { params: values.params } : {}) });
await rec.fit?.({ dataset, train: split.train, validation: split.validation });
const I = dataset.catalog.ids.length;
const out = new Float32Array(I);
const t0 = 1_600_000_000;
await rec.scoreBatch(
  [
    {
      user: -1,
      items: Int32Array.from(loved),
      outcomes: Uint8Array.from(loved, () => outcome),
      times: Float64Array.from(loved, (_, i) => t0 + i * 86_400),
    },
  ],
  out,
);
const seen = new Set(loved);
const order = Array.from({ length: I }, (_, i) => i)
  .filter((i) => !seen.has(i))
  .sort((a, b) => out[b]! - out[a]! || a - b);
const describe = (i: number): string => {
  const genres = dataset.catalog.features[i]!.filter((f) => f.startsWith('genre:')).map((f) => f.slice(6));
  return `${dataset.catalog.titles?.[i] ?? dataset.catalog.ids[i]} [${genres.join('|')}]`;
};
console.log(`${rec.name} on ${dataset.name}; loved: ${loved.map((i) => dataset.catalog.titles?.[i]).join('; ')}`);
order.slice(0, Number(values.k)).forEach((i, r) => console.log(`${String(r + 1).padStart(3)}. ${describe(i)}`));
if (values['rank-of']) for (const i of dense(values['rank-of'])) console.log(`rank of ${describe(i)}: ${order.indexOf(i) + 1}`);
rec.dispose?.();
