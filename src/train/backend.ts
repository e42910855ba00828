/**
 * The Node training backend: TF.js on wasm (tfjs-node cannot be installed here) plus two small custom
 * kernels that make training possible and fast (measured in ../shared/notes/tfjs-training.md):
 * - `UnsortedSegmentSum`, missing on wasm, needed by the gradient of `gather` (embedding lookups);
 * - `Slice` without the stock kernel's copy of its whole input.
 *
 * Call `await setupTrainingBackend()` once before building any tensor. Safe to call again.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { sliceWasmConfig } from './kernels/slice.ts';
import { unsortedSegmentSumWasmConfig } from './kernels/unsorted-segment-sum.ts';

let registered = false;

/** Registers our wasm kernels (idempotent). Exported for tests that compare against cpu. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  if (tf.getKernel(unsortedSegmentSumWasmConfig.kernelName, 'wasm')) tf.unregisterKernel(unsortedSegmentSumWasmConfig.kernelName, 'wasm');
  tf.registerKernel(unsortedSegmentSumWasmConfig);
  if (tf.getKernel(sliceWasmConfig.kernelName, 'wasm')) tf.unregisterKernel(sliceWasmConfig.kernelName, 'wasm');
  tf.registerKernel(sliceWasmConfig);
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
