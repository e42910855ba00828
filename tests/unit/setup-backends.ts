/**
 * Vitest setup: registers the cpu backend, which unit tests use as the reference. The package imports
 * `@tensorflow/tfjs-core` and its backends one by one (no `@tensorflow/tfjs` umbrella), so nothing
 * else registers it in Node.
 */
import '@tensorflow/tfjs-backend-cpu';
