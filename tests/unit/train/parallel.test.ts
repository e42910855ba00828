import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDecoderConfig } from '../../../src/model/decoder.ts';
import { setupTrainingBackend } from '../../../src/train/backend.ts';
import { buildBatch, type TrainingSequence } from '../../../src/train/batches.ts';
import { GradientWorker } from '../../../src/train/parallel.ts';
import { DEFAULT_TRAIN_OPTIONS, DecoderTrainer } from '../../../src/train/trainer.ts';

const config = defaultDecoderConfig({ itemCount: 30, outcomeCount: 2, dim: 8, blocks: 1, maxLen: 10, timeFeatures: true });
const options = { ...DEFAULT_TRAIN_OPTIONS, negatives: 8, learningRate: 0.01 };
const users: TrainingSequence[] = Array.from({ length: 6 }, (_, u) => {
  const n = 4 + u;
  return {
    items: Int32Array.from({ length: n }, (_, i) => (u * 5 + i * 3) % 30),
    outcomes: Uint8Array.from({ length: n }, (_, i) => (i + u) % 2),
    times: Float64Array.from({ length: n }, (_, i) => 1.7e9 + i * 3600 * (u + 1)),
  };
});

describe('two-thread data-parallel step', () => {
  let worker: GradientWorker;
  beforeAll(async () => {
    await setupTrainingBackend('wasm');
    worker = new GradientWorker(config, options);
    await worker.ready;
  });
  afterAll(async () => {
    await worker.close();
  });

  it('shard gradients (one from the worker thread), averaged by query count, equal the whole batch gradient', async () => {
    const trainer = new DecoderTrainer(config, { ...options, log: () => {} });
    const negatives = { items: Int32Array.from([1, 4, 9, 16, 25, 2, 7, 11]), logQ: null };
    const whole = buildBatch(users, config);
    const a = buildBatch(users.slice(0, 3), config);
    const b = buildBatch(users.slice(3), config);
    const g = trainer.gradients(whole, negatives);
    const ga = trainer.gradients(a, negatives);
    const params = trainer.snapshot();
    const gb = await worker.gradients(params, b, negatives);
    const [na, nb] = [a.queryCount, b.queryCount];
    expect(na + nb).toBe(whole.queryCount);
    expect((ga.loss * na + gb.loss * nb) / (na + nb)).toBeCloseTo(g.loss, 5);
    let maxDiff = 0;
    let maxAbs = 0;
    for (const [name, full] of g.grads) {
      full.forEach((v, i) => {
        const avg = (ga.grads.get(name)![i]! * na + gb.grads.get(name)![i]! * nb) / (na + nb);
        maxDiff = Math.max(maxDiff, Math.abs(avg - v));
        maxAbs = Math.max(maxAbs, Math.abs(v));
      });
    }
    expect(maxAbs).toBeGreaterThan(1e-3); // non-trivial gradients
    expect(maxDiff).toBeLessThan(1e-5 * Math.max(1, maxAbs)); // float32 summation order differs
    // A parallel step applies an update.
    const before = params.get('head.out.kernel')!;
    const loss = await trainer.trainStepParallel(a, b, worker);
    expect(Number.isFinite(loss)).toBe(true);
    expect(Array.from(trainer.snapshot().get('head.out.kernel')!)).not.toEqual(Array.from(before));
    trainer.dispose();
  });

  it('posts the shard to the worker thread synchronously, so both threads compute at the same time', async () => {
    // Regression: an `await` before postMessage delayed the post until the main thread had finished
    // its own shard, so "two threads" ran one after the other (no speed-up).
    const trainer = new DecoderTrainer(config, { ...options, log: () => {} });
    const port = (worker as unknown as { worker: { postMessage: (message: unknown) => void } }).worker;
    const original = port.postMessage.bind(port);
    let posted = 0;
    port.postMessage = (message: unknown) => {
      posted++;
      original(message);
    };
    try {
      const pending = worker.gradients(trainer.snapshot(), buildBatch(users.slice(3), config), null);
      expect(posted).toBe(1); // before any await: the worker starts while this thread works on
      expect(Number.isFinite((await pending).loss)).toBe(true);
    } finally {
      port.postMessage = original;
      trainer.dispose();
    }
  });

  it("starts with the trainer's full options, stop callback included (functions cannot cross to the worker)", async () => {
    const withStop = new GradientWorker(config, { ...options, shouldStop: () => false });
    await withStop.ready;
    await withStop.close();
  });
});
