/**
 * Small ops of the decoder (src/model/decoder.ts) and its losses: 2-D matmuls and row broadcasts with
 * hand-written gradients, dense layers, LayerNorm, L2 normalisation. Core TF.js ops only, so the same
 * code trains in Node on wasm and runs in the browser on webgpu / wasm / cpu.
 *
 * Why hand-written gradients: TF.js' own gradients of matMul use transposed-matmul paths and those of
 * a broadcast add / mul reduce over axis 0, both slow on wasm (docs/training.md). Each op below
 * computes the same values as the plain TF.js op; only its gradient is written differently.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * A typed `tf.customGrad`. `f` gets the op's inputs and a `save` that keeps them for the backward
 * pass; it returns the op's value and `gradFunc(dy, saved)`, one gradient per input. `saved` holds the
 * inputs when `f` called `save(inputs)` (only while a gradient tape records), else it is empty.
 */
export function customGrad<Inputs extends tf.Tensor[], Y extends tf.Tensor>(
  f: (
    inputs: Inputs,
    save: (tensors: Inputs) => void,
  ) => { value: Y; gradFunc: (dy: Y, saved: Inputs) => { [K in keyof Inputs]: tf.Tensor } },
): (...inputs: Inputs) => Y {
  const op = tf.customGrad<Y>((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    // tf.customGrad calls f(...inputs, save): the save function comes last.
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const { value, gradFunc } = f(args.slice(0, -1) as Inputs, save);
    return { value, gradFunc: (dy: Y, saved: tf.Tensor[]) => gradFunc(dy, saved as Inputs) };
  });
  return (...inputs: Inputs) => op(...inputs);
}

/**
 * 2-D matmul [m,k] x [k,n] whose gradient also uses plain 2-D matmuls with explicit transposes
 * (TF.js' own gradient uses transposed-matmul paths, ~2x slower on wasm).
 */
export const mm = customGrad<[tf.Tensor2D, tf.Tensor2D], tf.Tensor2D>(([a, b], save) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b), // [m, n]
    gradFunc: (g, [sa, sb]) => {
      const da = tf.matMul(g, tf.transpose(sb)); // [m, n] x [n, k]
      // dB = A^T dy. wasm's XNNPACK matmul packs its right operand as "weights" on every call, which
      // dominates for tall operands: keep the narrower of A [m, k] and dy [m, n] on the right
      // (packing a [25600, 200] right operand cost ~4x a [25600, 50] one; docs/training.md, "Speed").
      const db = sa.shape[1] <= g.shape[1] ? tf.transpose(tf.matMul(tf.transpose(g), sa)) : tf.matMul(tf.transpose(sa), g); // [k, n]
      return [da, db];
    },
  };
});

/**
 * Name of the optional column-sums kernel (float32 x [n, d] -> [d]). The Node training backend
 * registers one for wasm (src/train/kernels/column-sums.ts); any backend may.
 */
export const COLUMN_SUMS_KERNEL = 'PocketrecColumnSums';

/**
 * Column sums of x [n, d] as a [d] vector: the registered kernel when the backend has one, else
 * ones[1, n] @ x (a sum over axis 0 is ~100x slower on wasm; the matmul is slow too on tall x).
 */
export function columnSums(x: tf.Tensor2D): tf.Tensor1D {
  if (x.dtype === 'float32' && tf.getKernel(COLUMN_SUMS_KERNEL, tf.getBackend()))
    return tf.engine().runKernel(COLUMN_SUMS_KERNEL, { x }) as tf.Tensor1D; // [d]
  return tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]), x), [x.shape[1]]); // [1, n] x [n, d] -> [d]
}

/** x [n, d] + row [d], with the row's gradient computed by `columnSums`. */
export const addRow = customGrad<[tf.Tensor2D, tf.Tensor], tf.Tensor2D>(([x, row]) => ({
  value: tf.add(x, row), // [n, d]
  gradFunc: (dy) => [dy, columnSums(dy)],
}));

/** x [n, d] * row [d], with the row's gradient computed by `columnSums`. */
export const mulRow = customGrad<[tf.Tensor2D, tf.Tensor], tf.Tensor2D>(([x, row], save) => {
  save([x, row]);
  return {
    value: tf.mul(x, row), // [n, d]
    gradFunc: (dy, [sx, srow]) => [tf.mul(dy, srow), columnSums(tf.mul(dy, sx))],
  };
});

/** x [n, d] @ kernel [d, m] + bias [m]. */
export function dense(x: tf.Tensor2D, kernel: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  return addRow(mm(x, kernel as tf.Tensor2D), bias); // [n, m]
}

/** LayerNorm over the last axis of x [n, d]. */
export function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor2D {
  const mean = tf.mean(x, 1, true); // [n, 1]
  const centered = tf.sub(x, mean); // [n, d]
  const variance = tf.mean(tf.square(centered), 1, true); // [n, 1]
  return addRow(mulRow(tf.mul(centered, tf.rsqrt(tf.add(variance, 1e-6))) as tf.Tensor2D, gamma), beta); // [n, d]
}

/** Row-wise L2 normalisation: x [n, d] -> unit rows (cosine retrieval). */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12))); // [n, d]
}
