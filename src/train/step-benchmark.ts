/**
 * Training-step benchmark (run: npx tsx src/train/step-benchmark.ts [steps]). Step time on ML-1M, HSTU config (batch 128 users x 200, d 50, 2 blocks, 1 head, 128 negatives): single thread vs 2 threads.
 * Reads ML-1M from the data directory (../shared/datasets or POCKETREC_DATA_DIR); docs/benchmarks.md
 * (Decoder) reports its output. Not imported by anything. `npm run bench:train` measures the same
 * steps beside the same-machine PyTorch reference (docs/benchmarks.md).
 */
import { register } from 'node:module';
// Training loads TF.js's per-op gradient modules, which Node resolves only through this hook (as the
// CLI does), so the training modules are imported after registering it.
register('../../bin/tfjs-esm-hook.mjs', import.meta.url);
const { setupTrainingBackend } = await import('./backend.ts');
const { loadDataset } = await import('../data/index.ts');
const { leaveOneOutSplit } = await import('../data/splits.ts');
const { defaultDecoderConfig } = await import('../model/decoder.ts');
const { DecoderTrainer, DEFAULT_TRAIN_OPTIONS } = await import('./trainer.ts');
const { GradientWorker } = await import('./parallel.ts');
const { buildBatch } = await import('./batches.ts');
await setupTrainingBackend();
const ds = await loadDataset('ml-1m');
const split = leaveOneOutSplit(ds.sequences);
const config = defaultDecoderConfig({ itemCount: ds.catalog.ids.length, outcomeCount: ds.outcomes.length });
const trainer = new DecoderTrainer(config, { ...DEFAULT_TRAIN_OPTIONS, log: console.log });
const steps = Number(process.argv[2] ?? 5);
const users = (i: number) => split.train.slice((i * 128) % 5888, ((i * 128) % 5888) + 128);
trainer.trainStep(buildBatch(users(0), config));
let t = performance.now();
for (let i = 1; i <= steps; i++) trainer.trainStep(buildBatch(users(i), config));
const single = (performance.now() - t) / 1000 / steps;
console.log(
  `single thread: ${single.toFixed(2)} s/step, ${(single * 47.2).toFixed(0)} s/epoch est (6040 users / 128), ratio to PyTorch 41.7 s/epoch: ${((single * 47.2) / 41.7).toFixed(2)}`,
);
const worker = new GradientWorker(config, DEFAULT_TRAIN_OPTIONS);
await worker.ready;
const half = (u: typeof split.train) => [buildBatch(u.slice(0, 64), config), buildBatch(u.slice(64), config)] as const;
{
  const [a, b] = half(users(0));
  await trainer.trainStepParallel(a, b, worker);
}
t = performance.now();
for (let i = 1; i <= steps; i++) {
  const [a, b] = half(users(i));
  await trainer.trainStepParallel(a, b, worker);
}
const par = (performance.now() - t) / 1000 / steps;
console.log(
  `two threads:   ${par.toFixed(2)} s/step, ${(par * 47.2).toFixed(0)} s/epoch est, ratio to PyTorch: ${((par * 47.2) / 41.7).toFixed(2)}`,
);
await worker.close();
