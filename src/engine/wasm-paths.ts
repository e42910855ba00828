/**
 * Where the wasm backend finds its `.wasm` files in a Vite build: the bundler copies them and hands
 * us their final URLs (`?url` imports), so hosts need no extra copy step. The threaded build hangs in
 * minified bundles (docs/development.md), so multithreading is switched off first.
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';

let configured = false;

/** Points the wasm backend at the bundled files (browser only; Node finds them on disk). */
export function configureWasm(): void {
  if (configured) return;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  // Browser code has no Node types, so Node is detected through globalThis without naming `process`.
  const host = globalThis as { process?: { versions?: { node?: unknown } } };
  const isNode = typeof host.process?.versions?.node === 'string';
  if (!isNode) {
    setWasmPaths({
      'tfjs-backend-wasm.wasm': wasmPlainUrl,
      'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
      // Never fetched (multithreading is off above); pointing it at the simd file keeps the unused
      // threaded binary out of every bundle.
      'tfjs-backend-wasm-threaded-simd.wasm': wasmSimdUrl,
    });
  }
  configured = true;
}
