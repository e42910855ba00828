/**
 * The engine worker with WebGPU hidden (as in Firefox, Safari or a browser without the flag), created
 * through the `createWorker` option: proves the fallback is taken and reported.
 */
import '../../workers/engine.worker.ts';

Object.defineProperty(Object.getPrototypeOf(navigator), 'gpu', { get: () => undefined, configurable: true });
