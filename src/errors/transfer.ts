/**
 * Makes `PocketrecError`s survive the worker boundary.
 *
 * Comlink sends a thrown value through its built-in `throw` transfer handler, which flattens every
 * Error to `{ message, name, stack }`: the class, `code` and `details` are lost. This module replaces
 * that handler with one that keeps them (other errors keep comlink's behaviour). Both sides must call
 * `installErrorTransfer()` before the first call crosses: the worker entry and the main-thread client
 * do so on import.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { PocketrecError, deserializeError, serializeError, type SerializedPocketrecError } from './errors.ts';

/** What the replacement handler puts on the wire. */
type WireThrow = { pocketrec: SerializedPocketrecError } | { fallback: unknown };

/** The shape comlink hands to a `throw` handler: the thrown value under `value`. */
interface ThrownWrapper {
  value: unknown;
}

let installed = false;

/** Installs the typed-error `throw` handler once per realm (idempotent). */
export function installErrorTransfer(): void {
  if (installed) return;
  const original = transferHandlers.get('throw') as TransferHandler<ThrownWrapper, unknown> | undefined;
  if (!original) throw new Error('comlink has no built-in "throw" transfer handler; is the comlink version supported?');
  const handler: TransferHandler<ThrownWrapper, WireThrow> = {
    canHandle: (value: unknown): value is ThrownWrapper => original.canHandle(value),
    serialize(wrapper) {
      if (wrapper.value instanceof PocketrecError) return [{ pocketrec: serializeError(wrapper.value) }, []];
      const [fallback, transferables] = original.serialize(wrapper);
      return [{ fallback }, transferables];
    },
    deserialize(wire) {
      if ('pocketrec' in wire) throw deserializeError(wire.pocketrec);
      return original.deserialize(wire.fallback) as ThrownWrapper;
    },
  };
  transferHandlers.set('throw', handler as TransferHandler<unknown, unknown>);
  installed = true;
}
