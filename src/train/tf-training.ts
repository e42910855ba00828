/**
 * The TF.js pieces training needs beyond `@tensorflow/tfjs-core`'s entry point (the `@tensorflow/tfjs`
 * umbrella used to load them): the gradient functions of the stock ops, and the chained tensor
 * methods some of those gradients call. The browser engine only infers and never imports this.
 * In Node these per-op ES modules load through bin/tfjs-esm-hook.mjs (the CLI and the gradient
 * worker register it); bundlers and vitest load them as they are.
 */
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
