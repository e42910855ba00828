/** Typed errors of pocketrec and the worker-boundary handler that keeps their class. */
export * from './errors.ts';
export { installErrorTransfer } from './transfer.ts';
