/**
 * The gradient worker (a worker thread): holds a replica of the decoder's variables, and for each
 * request sets them to the main thread's current values, computes one shard's loss and gradients on
 * its own wasm backend, and sends the gradients back. The optimizer lives only on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { DecoderConfig } from '../model/decoder.ts';
import { setupTrainingBackend } from './backend.ts';
import type { TrainingBatch } from './batches.ts';
import { PrefixMem } from '../model/prefixmem.ts';
import { PrefixMemItemEncoder } from '../model/prefixmem-items.ts';
import type { WorkerItemEncoderSpec } from './options.ts';
import { DecoderTrainer, type SampledNegatives, type TrainOptions } from './trainer.ts';

interface Request {
  id: number;
  params: Record<string, Float32Array>;
  batch: TrainingBatch;
  negatives: SampledNegatives | null;
}

const port = parentPort!;
await setupTrainingBackend();
const { config, options, itemEncoder } = workerData as {
  config: DecoderConfig;
  options: Omit<TrainOptions, 'log'>;
  itemEncoder?: WorkerItemEncoderSpec;
};
// PrefixMem's initial values do not matter: every request brings the current ones.
const encoder = itemEncoder
  ? new PrefixMemItemEncoder(new PrefixMem(itemEncoder.prefixMem, options.seed), itemEncoder.table)
  : undefined;
const trainer = new DecoderTrainer(config, { ...options, log: () => {} }, encoder);
port.on('message', (request: Request) => {
  try {
    for (const [name, v] of trainer.trainableVariables()) {
      const value = request.params[name];
      if (!value) throw new Error(`gradient worker: no value for ${name}`);
      tf.tidy(() => v.assign(tf.tensor(value, v.shape)));
    }
    const { loss, grads } = trainer.gradients(request.batch, request.negatives);
    const out = Object.fromEntries(grads);
    port.postMessage(
      { id: request.id, loss, grads: out },
      Object.values(out).map((g) => g.buffer as ArrayBuffer),
    );
  } catch (error) {
    port.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) });
  }
});
port.postMessage({ ready: true });
