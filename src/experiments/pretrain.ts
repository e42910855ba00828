/**
 * Pre-training PrefixMem on its own, before attaching it to a decoder: over the catalog, predict
 * each SID code from the prefix before it (teacher-forced, a small SID language model over items),
 * with a throw-away head. This teaches the memory tables which codes follow which prefixes; the
 * trained PrefixMem variables are then used as the initial values inside the larger model.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../train/tf-training.ts'; // gradients of the stock ops
import { PrefixMem, prefixHashConfigOf } from '../model/prefixmem.ts';
import { prefixHashIndices } from '../sid/prefix-hash.ts';
import { SeededRng } from '../util/rng.ts';
import type { SidTable } from '../sid/sid-table.ts';
import { SidHead, crossEntropy, initSidHeadVariables, sidVocabSizes } from '../model/sid-head.ts';

/** Pre-training settings. */
export interface PrefixMemPretrainConfig {
  steps: number;
  /** Items per step. */
  batchSize: number;
  learningRate: number;
  seed: number;
}

/**
 * Trains `mem` (in place) to predict code l from the embedding of position l - 1, for l >= 1.
 * The head sees only the prefix context (its query is a constant 1), so all the information about
 * the prefix must come through PrefixMem. Returns the mean loss per logged chunk.
 */
export function pretrainPrefixMem(
  mem: PrefixMem,
  table: SidTable,
  config: PrefixMemPretrainConfig,
  onLog?: (step: number, loss: number) => void,
): number[] {
  const positions = table.sidLength;
  const vocab = sidVocabSizes(table);
  const headConfig = { vocabSizes: vocab, queryDim: 1, prefixDim: mem.config.dim, hiddenDim: 128 };
  const headVariables = initSidHeadVariables(headConfig, config.seed + 3);
  const head = new SidHead(headConfig, headVariables);
  const hash = prefixHashIndices(table.codes, table.items, positions, positions, prefixHashConfigOf(mem.config));
  const slots = mem.slots;
  const optimizer = tf.train.adam(config.learningRate);
  const vars = [...mem.variables.values(), ...headVariables.values()];
  const rng = new SeededRng(config.seed + 5);
  const losses: number[] = [];
  const logEvery = Math.max(1, Math.floor(config.steps / 5));
  let running = 0;
  for (let step = 1; step <= config.steps; step++) {
    const n = config.batchSize;
    const codes = new Int32Array(n * positions);
    const rows = new Int32Array(n * positions * slots);
    for (let b = 0; b < n; b++) {
      const item = rng.nextInt(table.items);
      for (let l = 0; l < positions; l++) codes[b * positions + l] = table.codes[item * positions + l]!;
      rows.set(hash.subarray(item * positions * slots, (item + 1) * positions * slots), b * positions * slots);
    }
    const loss = optimizer.minimize(
      () => {
        const codesT = tf.tensor2d(codes, [n, positions], 'int32');
        const levels = mem.embedLevels(codesT, tf.tensor3d(rows, [n, positions, slots], 'int32'));
        const dim = levels.shape[2];
        const query = tf.ones([n, 1]) as tf.Tensor2D;
        let total: tf.Scalar = tf.scalar(0);
        for (let l = 1; l < positions; l++) {
          const context = tf.reshape(tf.slice(levels, [0, l - 1, 0], [n, 1, dim]), [n, dim]) as tf.Tensor2D;
          const targets = tf.tensor1d(
            Int32Array.from({ length: n }, (_, b) => codes[b * positions + l]!),
            'int32',
          );
          total = tf.add(total, crossEntropy(head.logits(query, context, l), targets));
        }
        return total;
      },
      true,
      vars,
    )!;
    running += loss.dataSync()[0]!;
    loss.dispose();
    if (step % logEvery === 0 || step === config.steps) {
      const mean = running / (step % logEvery === 0 ? logEvery : step % logEvery);
      losses.push(mean);
      onLog?.(step, mean);
      running = 0;
    }
  }
  optimizer.dispose();
  for (const v of headVariables.values()) v.dispose();
  return losses;
}
