/**
 * Data-parallel training on two cores: the wasm backend runs one thread in Node, so a second
 * worker thread with its own wasm instance computes half of each batch's gradients while the main
 * thread computes the other half (DecoderTrainer.trainStepParallel averages them). Measured in
 * docs/platform-facts.md: two single-threaded processes gave 1.6-1.8x the throughput of one.
 */
import { Worker } from 'node:worker_threads';
import type { DecoderConfig } from '../model/decoder.ts';
import type { TrainingBatch } from './batches.ts';
import type { GradientWorkerLike, SampledNegatives, TrainOptions, WorkerItemEncoderSpec } from './options.ts';

interface Reply {
  id?: number;
  ready?: boolean;
  loss?: number;
  grads?: Record<string, Float32Array>;
  error?: string;
}

/** A worker thread computing gradient shards for one decoder config. `close()` when done. */
export class GradientWorker implements GradientWorkerLike {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (r: { loss: number; grads: Map<string, Float32Array> }) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  readonly ready: Promise<void>;

  /** `itemEncoder`: the PrefixMem item encoder to rebuild in the worker (`--item-rep sid|id+sid`). */
  constructor(config: DecoderConfig, options: Omit<TrainOptions, 'log'>, itemEncoder?: WorkerItemEncoderSpec) {
    this.worker = new Worker(new URL('./grad-worker.mjs', import.meta.url), {
      workerData: { config, options: { ...options, log: undefined, shouldStop: undefined }, itemEncoder },
    });
    let markReady: () => void = () => {};
    let failReady: (e: Error) => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    this.worker.on('message', (reply: Reply) => {
      if (reply.ready) return markReady();
      const entry = this.pending.get(reply.id!);
      if (!entry) return;
      this.pending.delete(reply.id!);
      if (reply.error) entry.reject(new Error(reply.error));
      else entry.resolve({ loss: reply.loss!, grads: new Map(Object.entries(reply.grads!)) });
    });
    this.worker.on('error', (error) => {
      failReady(error);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    });
  }

  /**
   * Posts the shard at once (synchronously: the caller computes its own shard right after this call
   * returns, and an `await` here would delay the post until that work is done, serialising the two
   * threads). Messages posted before the worker has set up are queued by the port.
   */
  gradients(
    params: Map<string, Float32Array>,
    batch: TrainingBatch,
    negatives: SampledNegatives | null,
  ): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, params: Object.fromEntries(params), batch, negatives });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
