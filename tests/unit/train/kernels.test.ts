import * as tf from '@tensorflow/tfjs-core';
// Gradient functions of the stock ops (tf.grad below differentiates plain ops).
import '@tensorflow/tfjs-core/dist/register_all_gradients';
// Chained tensor methods (t.reshape(...)) are not part of tfjs-core's default entry; register them.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { beforeAll, describe, expect, it } from 'vitest';
import { COLUMN_SUMS_KERNEL, columnSums } from '../../../src/model/ops.ts';
import { setupTrainingBackend } from '../../../src/train/backend.ts';
import { expNonPositive } from '../../../src/train/kernels/fast-exp.ts';
import { LOG_SUM_EXP_ROWS_KERNEL } from '../../../src/train/kernels/log-sum-exp.ts';
import { logSumExpRows } from '../../../src/train/losses.ts';

/** Runs `fn` on the given backend and returns its output values and shape. */
async function runOn(backend: 'cpu' | 'wasm', fn: () => tf.Tensor): Promise<{ values: number[]; shape: number[] }> {
  await tf.setBackend(backend);
  const out = fn();
  const result = { values: Array.from(await out.data()), shape: out.shape };
  out.dispose();
  return result;
}

describe('wasm training kernels vs the cpu reference', () => {
  beforeAll(async () => {
    await setupTrainingBackend('wasm');
  });

  it('UnsortedSegmentSum sums rows by id, drops out-of-range ids, matches cpu', async () => {
    const x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]; // [6, 2]
    const ids = [2, 0, 2, 7, -1, 0]; // 7 and -1 are out of range for 4 segments
    const fn = () => tf.unsortedSegmentSum(tf.tensor2d(x, [6, 2]), tf.tensor1d(ids, 'int32'), 4);
    const wasm = await runOn('wasm', fn);
    const cpu = await runOn('cpu', fn);
    // Hand-computed: seg0 = rows1+5 = [3+11, 4+12]; seg2 = rows0+2 = [1+5, 2+6]; seg1 = seg3 = 0.
    expect(wasm.values).toEqual([14, 16, 0, 0, 6, 8, 0, 0]);
    expect(wasm.shape).toEqual([4, 2]);
    expect(wasm).toEqual(cpu);
  });

  it('gather gradient (embedding lookup) trains on wasm and equals cpu', async () => {
    const table = Array.from({ length: 7 * 3 }, (_, i) => Math.sin(i));
    const fn = () =>
      tf.tidy(() => {
        const t = tf.tensor2d(table, [7, 3]);
        const idx = tf.tensor2d([1, 1, 4, 6, 0, 1], [2, 3], 'int32');
        const w = tf.tensor1d([0.5, -2, 3]);
        return tf.grad((p: tf.Tensor) => tf.gather(p, idx).mul(w).square().sum())(t);
      });
    const wasm = await runOn('wasm', fn);
    const cpu = await runOn('cpu', fn);
    expect(wasm.shape).toEqual([7, 3]);
    for (let i = 0; i < cpu.values.length; i++) expect(wasm.values[i]).toBeCloseTo(cpu.values[i]!, 5);
  });

  it('Slice (contiguous, strided, rank 1-5, int32, size -1) matches cpu', async () => {
    const cases: { shape: number[]; begin: number[]; size: number[]; dtype: 'float32' | 'int32' }[] = [
      { shape: [10], begin: [3], size: [4], dtype: 'float32' },
      { shape: [4, 5], begin: [1, 0], size: [2, 5], dtype: 'float32' },
      { shape: [4, 5], begin: [1, 2], size: [3, 2], dtype: 'int32' },
      { shape: [3, 4, 5], begin: [1, 1, 2], size: [2, -1, 3], dtype: 'float32' },
      { shape: [2, 3, 4, 5], begin: [0, 1, 0, 1], size: [2, 2, 3, 4], dtype: 'float32' },
      { shape: [2, 2, 3, 2, 3], begin: [1, 0, 1, 1, 0], size: [1, 2, 2, 1, 2], dtype: 'float32' },
      { shape: [3, 4], begin: [1, 1], size: [0, 2], dtype: 'float32' },
    ];
    for (const c of cases) {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const fn = () => tf.tidy(() => tf.slice(tf.range(0, n, 1, c.dtype).reshape(c.shape), c.begin, c.size));
      const wasm = await runOn('wasm', fn);
      const cpu = await runOn('cpu', fn);
      expect(wasm).toEqual(cpu);
    }
    // One hand-checked value: x = range(60) as [3,4,5]; x[1,1,2] = 20 + 5 + 2 = 27.
    const first = await runOn('wasm', () => tf.tidy(() => tf.slice(tf.range(0, 60).reshape([3, 4, 5]), [1, 1, 2], [1, 1, 1])));
    expect(first.values).toEqual([27]);
    await tf.setBackend('wasm');
  });

  it('SplitV (equal and sized pieces, both axes) matches cpu', async () => {
    const fn = (sizes: number | number[], axis: number) => () =>
      tf.tidy(() =>
        tf.concat(
          tf.split(tf.range(0, 60).reshape([6, 10]), sizes, axis).map((p) => p.reshape([-1])),
          0,
        ),
      );
    for (const [sizes, axis] of [
      [3, 0],
      [[2, 5, 3], 1],
      [[1, 5], 0],
      [2, 1],
    ] as [number | number[], number][]) {
      const wasm = await runOn('wasm', fn(sizes, axis));
      const cpu = await runOn('cpu', fn(sizes, axis));
      expect(wasm).toEqual(cpu);
    }
    await tf.setBackend('wasm');
    const parts = tf.split(tf.range(0, 12).reshape([4, 3]), [1, 3], 0);
    expect(parts[1]!.shape).toEqual([3, 3]);
    expect(Array.from(parts[1]!.dataSync())).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('Transpose (2-D blocked path, size-1 axes, rank 3 fallback, int32) matches cpu', async () => {
    const cases: { shape: number[]; perm: number[]; dtype: 'float32' | 'int32' }[] = [
      { shape: [37, 19], perm: [1, 0], dtype: 'float32' },
      { shape: [5, 1, 7], perm: [2, 1, 0], dtype: 'float32' },
      { shape: [3, 4, 5], perm: [2, 0, 1], dtype: 'float32' },
      { shape: [9, 8], perm: [1, 0], dtype: 'int32' },
      { shape: [4, 6], perm: [0, 1], dtype: 'float32' },
    ];
    for (const c of cases) {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const fn = () => tf.tidy(() => tf.transpose(tf.range(0, n, 1, c.dtype).reshape(c.shape), c.perm));
      const wasm = await runOn('wasm', fn);
      const cpu = await runOn('cpu', fn);
      expect(wasm).toEqual(cpu);
    }
    const t = await runOn('wasm', () =>
      tf.tidy(() =>
        tf.transpose(
          tf.tensor2d([
            [1, 2, 3],
            [4, 5, 6],
          ]),
        ),
      ),
    );
    expect(t.values).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('GatherV2 (axis 0 rows, 1-D table, 2-D indices, axis 1 fallback) matches cpu and rejects bad ids', async () => {
    const table = Array.from({ length: 24 }, (_, i) => i * 0.5);
    const fns = [
      () => tf.tidy(() => tf.gather(tf.tensor2d(table, [8, 3]), tf.tensor1d([7, 0, 7, 3], 'int32'))),
      () =>
        tf.tidy(() =>
          tf.gather(
            tf.tensor1d(table),
            tf.tensor2d(
              [
                [1, 2],
                [23, 0],
              ],
              [2, 2],
              'int32',
            ),
          ),
        ),
      () => tf.tidy(() => tf.gather(tf.tensor3d(table, [2, 4, 3]), tf.tensor1d([1, 1, 0], 'int32'))),
      () => tf.tidy(() => tf.gather(tf.tensor2d(table, [8, 3]), tf.tensor1d([2, 0], 'int32'), 1)),
    ];
    for (const fn of fns) {
      const wasm = await runOn('wasm', fn);
      const cpu = await runOn('cpu', fn);
      expect(wasm).toEqual(cpu);
    }
    const rows = await runOn('wasm', fns[0]!);
    expect(rows.values.slice(0, 3)).toEqual([10.5, 11, 11.5]); // row 7 = [21, 22, 23] * 0.5
    await tf.setBackend('wasm');
    expect(() => tf.gather(tf.tensor2d(table, [8, 3]), tf.tensor1d([8], 'int32'))).toThrow(/not in \[0, 7\]/);
  });

  it('PocketrecColumnSums (columnSums on wasm) equals the cpu fallback and a hand sum; refuses non-matrices', async () => {
    const values = Array.from({ length: 37 * 5 }, (_, i) => Math.sin(i * 0.37) * 3);
    const fn = () => tf.tidy(() => columnSums(tf.tensor2d(values, [37, 5])));
    const wasm = await runOn('wasm', fn);
    const cpu = await runOn('cpu', fn); // no kernel there: ones[1, n] @ x
    expect(wasm.shape).toEqual([5]);
    for (let j = 0; j < 5; j++) {
      let sum = 0;
      for (let i = 0; i < 37; i++) sum += values[i * 5 + j]!;
      expect(wasm.values[j]).toBeCloseTo(sum, 4);
      expect(wasm.values[j]).toBeCloseTo(cpu.values[j]!, 4);
    }
    await tf.setBackend('wasm');
    expect(tf.getKernel(COLUMN_SUMS_KERNEL, 'wasm')).toBeDefined();
    expect(() => tf.engine().runKernel(COLUMN_SUMS_KERNEL, { x: tf.ones([2, 3, 4]) })).toThrow(/float32 matrix/);
  });

  it('PocketrecLogSumExpRows: logSumExpRows value and gradient on wasm equal the cpu composite', async () => {
    const values = Array.from({ length: 6 * 9 }, (_, i) => Math.cos(i * 0.61) * 20);
    values[3] = -1e9; // a masked logit, as the window loss writes them
    values[4] = -1e9;
    const w = Array.from({ length: 6 }, (_, i) => i - 2.5);
    const fn = () =>
      tf.tidy(() => {
        const x = tf.tensor2d(values, [6, 9]);
        const f = (t: tf.Tensor) => tf.sum(tf.mul(logSumExpRows(t as tf.Tensor2D), tf.tensor1d(w)));
        return tf.concat([tf.reshape(logSumExpRows(x), [-1]), tf.reshape(tf.grad(f)(x), [-1])]);
      });
    await tf.setBackend('wasm');
    expect(tf.getKernel(LOG_SUM_EXP_ROWS_KERNEL, 'wasm')).toBeDefined();
    const wasm = await runOn('wasm', fn);
    const cpu = await runOn('cpu', fn); // no kernel there: max, sub, exp, sum, log
    expect(wasm.shape).toEqual([6 + 54]);
    wasm.values.forEach((v, i) => expect(v).toBeCloseTo(cpu.values[i]!, 3));
    // Row 0 by hand: log(sum(exp(x))), its gradient w[0] * softmax.
    const row = values.slice(0, 9);
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    expect(wasm.values[0]).toBeCloseTo(lse, 3);
    expect(Math.abs(wasm.values[6 + 3]!)).toBe(0); // the masked logit gets no gradient
    await tf.setBackend('wasm');
  });

  it("expNonPositive (the kernels' softmax exp) is within 1e-8 relative of Math.exp; 0 below 2^-149; NaN stays NaN", () => {
    let maxRel = 0;
    for (let i = 0; i <= 200_000; i++) {
      const x = -i / 1000; // 0 .. -200
      const ref = Math.exp(x);
      if (ref < 2 ** -149) continue;
      maxRel = Math.max(maxRel, Math.abs(expNonPositive(x) - ref) / ref);
    }
    expect(maxRel).toBeLessThan(1e-8);
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-1e9)).toBe(0);
    expect(expNonPositive(-104)).toBe(0); // float32 exp underflows there too
    expect(expNonPositive(Number.NaN)).toBeNaN();
  });
});
