import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { PrefixMem, prefixHashConfigOf, type PrefixMemConfig } from '../../../src/model/prefixmem.ts';
import { SidHead, crossEntropy, initSidHeadVariables } from '../../../src/model/sid-head.ts';
import { prefixHashIndices } from '../../../src/sid/prefix-hash.ts';
import { setupTrainingBackend } from '../../../src/train/backend.ts';

const config: PrefixMemConfig = {
  levels: 3,
  codebookSize: 5,
  dim: 8,
  ngramOrders: [1, 2],
  hashHeads: 2,
  tableSize: 11,
  memDim: 4,
  hashSeed: 3,
  useMemory: true,
};
const codesArray = Uint16Array.from([0, 1, 2, 4, 1, 2, 0, 3, 0]);

function inputs(codes: Uint16Array, hashSeed = config.hashSeed) {
  const n = codes.length / 3;
  const rows = prefixHashIndices(codes, n, 3, 3, { ...prefixHashConfigOf(config), seed: hashSeed });
  return { codes: tf.tensor2d(Int32Array.from(codes), [n, 3], 'int32'), hash: tf.tensor3d(rows, [n, 3, 4], 'int32') };
}

beforeAll(async () => {
  await setupTrainingBackend('wasm');
});

describe('PrefixMem', () => {
  it('gives [n, L, dim] level embeddings and [n, dim] item embeddings, and disposes cleanly', () => {
    const before = tf.memory().numTensors;
    const mem = new PrefixMem(config, 1);
    const { codes, hash } = inputs(codesArray);
    const levels = mem.embedLevels(codes, hash);
    const items = mem.embedItems(codes, hash);
    expect(levels.shape).toEqual([3, 3, 8]);
    expect(items.shape).toEqual([3, 8]);
    expect([...mem.variables.keys()].sort()).toEqual([
      'prefixmem.code_embedding',
      'prefixmem.level_combine',
      'prefixmem.memory',
      'prefixmem.memory_proj',
    ]);
    // A prefix of P positions embeds the same as the first P positions of the full SID.
    const prefixCodes = tf.slice(codes, [0, 0], [3, 2]) as tf.Tensor2D;
    const prefixHash = tf.slice(hash, [0, 0, 0], [3, 2, 4]) as tf.Tensor3D;
    const prefix = mem.embedLevels(prefixCodes, prefixHash);
    const full = levels.arraySync();
    const pre = prefix.arraySync();
    for (let i = 0; i < 3; i++)
      for (let p = 0; p < 2; p++) for (let d = 0; d < 8; d++) expect(pre[i]![p]![d]).toBeCloseTo(full[i]![p]![d]!, 5);
    tf.dispose([levels, items, prefix, prefixCodes, prefixHash, codes, hash]);
    mem.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is the code embedding plus the projected memory lookups (checked by hand)', () => {
    const mem = new PrefixMem(config, 2);
    const { codes, hash } = inputs(codesArray);
    const out = mem.embedLevels(codes, hash).arraySync();
    const table = mem.variables.get('prefixmem.code_embedding')!.arraySync() as number[][];
    const memory = mem.variables.get('prefixmem.memory')!.arraySync() as number[][];
    const proj = mem.variables.get('prefixmem.memory_proj')!.arraySync() as number[][];
    const rows = hash.arraySync();
    for (let i = 0; i < 3; i++) {
      for (let l = 0; l < 3; l++) {
        const concat = rows[i]![l]!.flatMap((r) => memory[r]!);
        for (let d = 0; d < 8; d++) {
          const expected = table[l * 5 + codesArray[i * 3 + l]!]![d]! + concat.reduce((s, x, j) => s + x * proj[j]![d]!, 0);
          expect(out[i]![l]![d]).toBeCloseTo(expected, 4);
        }
      }
    }
    tf.dispose([codes, hash]);
    mem.dispose();
  });

  it('the plain ablation has no memory tables and ignores hash indices', () => {
    const plain = new PrefixMem({ ...config, useMemory: false }, 1);
    expect([...plain.variables.keys()].sort()).toEqual(['prefixmem.code_embedding', 'prefixmem.level_combine']);
    const a = inputs(codesArray, 3);
    const b = inputs(codesArray, 99);
    expect(plain.embedItems(a.codes, a.hash).arraySync()).toEqual(plain.embedItems(b.codes, b.hash).arraySync());
    const mem = new PrefixMem(config, 1);
    expect(mem.embedItems(a.codes, a.hash).arraySync()).not.toEqual(mem.embedItems(b.codes, b.hash).arraySync());
    plain.dispose();
    mem.dispose();
  });

  it('clamps codes past the table (cold items with a new disambiguation code) to the last row', () => {
    const plain = new PrefixMem({ ...config, useMemory: false }, 4);
    const hash = tf.zeros([1, 3, 4], 'int32') as tf.Tensor3D;
    const over = tf.tensor2d([[1, 2, 7]], [1, 3], 'int32');
    const last = tf.tensor2d([[1, 2, 4]], [1, 3], 'int32');
    expect(plain.embedLevels(over, hash).arraySync()).toEqual(plain.embedLevels(last, hash).arraySync());
    tf.dispose([hash, over, last]);
    plain.dispose();
  });

  it('is deterministic under a seed', () => {
    const a = new PrefixMem(config, 5);
    const b = new PrefixMem(config, 5);
    const { codes, hash } = inputs(codesArray);
    expect(a.embedItems(codes, hash).arraySync()).toEqual(b.embedItems(codes, hash).arraySync());
    a.dispose();
    b.dispose();
  });

  it('trains on wasm: gradients reach the memory tables and the loss falls', () => {
    // Tiny task: classify the three items from their PrefixMem representation.
    const mem = new PrefixMem(config, 7);
    const headConfig = { vocabSizes: [3], queryDim: 8, prefixDim: 8, hiddenDim: 16 };
    const headVariables = initSidHeadVariables(headConfig, 7);
    const head = new SidHead(headConfig, headVariables);
    const { codes, hash } = inputs(codesArray);
    const targets = tf.tensor1d([0, 1, 2], 'int32');
    const optimizer = tf.train.adam(0.05);
    const memBefore = mem.variables.get('prefixmem.memory')!.arraySync();
    const loss = () => crossEntropy(head.logits(mem.embedItems(codes, hash), null, 0), targets);
    const first = (loss().dataSync() as Float32Array)[0]!;
    for (let step = 0; step < 30; step++) optimizer.minimize(loss, false, [...mem.variables.values(), ...headVariables.values()]);
    const last = (loss().dataSync() as Float32Array)[0]!;
    expect(last).toBeLessThan(first * 0.2);
    expect(mem.variables.get('prefixmem.memory')!.arraySync()).not.toEqual(memBefore);
    tf.dispose([codes, hash, targets]);
    mem.dispose();
    for (const v of headVariables.values()) v.dispose();
  });
});
