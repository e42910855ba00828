/**
 * The Node training backend: TF.js on wasm (tfjs-node cannot be installed here) plus small custom
 * kernels that make training possible and fast (measured: docs/platform-facts.md):
 * - `UnsortedSegmentSum`, missing on wasm, needed by the gradient of `gather` (embedding lookups);
 * - `Slice` without the stock kernel's copy of its whole input, and `SplitV` built on it (the stock
 *   SplitV calls the stock Slice directly, copying the whole input once per piece);
 * - a blocked 2-D `Transpose` (the stock one is slow on the tall activations the gradients transpose);
 * - a row-copying axis-0 `GatherV2` (embedding lookups);
 * - `PocketrecColumnSums` (src/model/ops.ts `columnSums`: bias and LayerNorm gradients);
 * - the fused causal attention, forward and backward, one call per block (src/model/attention.ts);
 * - `PocketrecLogSumExpRows`: log-sum-exp and exponentials of the loss logits (losses.ts).
 *
 * Call `await setupTrainingBackend()` once before building any tensor. Safe to call again.
 */
import * as tf from '@tensorflow/tfjs-core';
import './tf-training.ts'; // gradients of the stock ops
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
import { sliceWasmConfig, splitVWasmConfig } from './kernels/slice.ts';
import { gatherWasmConfig } from './kernels/gather.ts';
import { transposeWasmConfig } from './kernels/transpose.ts';
import { unsortedSegmentSumWasmConfig } from './kernels/unsorted-segment-sum.ts';
import { columnSumsWasmConfig } from './kernels/column-sums.ts';
import { causalAttentionWasmConfigs } from './kernels/attention.ts';
import { logSumExpRowsWasmConfig } from './kernels/log-sum-exp.ts';

let registered = false;

/** Registers our wasm kernels (idempotent). Exported for tests that compare against cpu. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  if (tf.getKernel(unsortedSegmentSumWasmConfig.kernelName, 'wasm'))
    tf.unregisterKernel(unsortedSegmentSumWasmConfig.kernelName, 'wasm');
  tf.registerKernel(unsortedSegmentSumWasmConfig);
  if (tf.getKernel(sliceWasmConfig.kernelName, 'wasm')) tf.unregisterKernel(sliceWasmConfig.kernelName, 'wasm');
  tf.registerKernel(sliceWasmConfig);
  if (tf.getKernel(splitVWasmConfig.kernelName, 'wasm')) tf.unregisterKernel(splitVWasmConfig.kernelName, 'wasm');
  tf.registerKernel(splitVWasmConfig);
  if (!tf.getKernel(columnSumsWasmConfig.kernelName, 'wasm')) tf.registerKernel(columnSumsWasmConfig);
  if (!tf.getKernel(logSumExpRowsWasmConfig.kernelName, 'wasm')) tf.registerKernel(logSumExpRowsWasmConfig);
  const stockMatMul = tf.getKernel('BatchMatMul', 'wasm');
  if (stockMatMul)
    for (const config of causalAttentionWasmConfigs(stockMatMul))
      if (!tf.getKernel(config.kernelName, 'wasm')) tf.registerKernel(config);
  const stockTranspose = tf.getKernel('Transpose', 'wasm');
  if (stockTranspose) {
    tf.unregisterKernel('Transpose', 'wasm');
    tf.registerKernel(transposeWasmConfig(stockTranspose));
  }
  const stockGather = tf.getKernel('GatherV2', 'wasm');
  if (stockGather) {
    tf.unregisterKernel('GatherV2', 'wasm');
    tf.registerKernel(gatherWasmConfig(stockGather));
  }
  registered = true;
}

/** Selects the wasm backend with our kernels; returns the backend name in use. */
export async function setupTrainingBackend(backend: 'wasm' | 'cpu' = 'wasm'): Promise<string> {
  registerWasmTrainingKernels();
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`TF.js backend "${backend}" failed to initialise`);
  await tf.ready();
  return tf.getBackend();
}
