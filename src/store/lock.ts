/**
 * One writer per namespace across tabs: `withModelLock` runs download -> stage -> activate of one
 * namespace under an exclusive Web Lock (`navigator.locks`), which the browser shares between every
 * tab and worker of the origin and releases when the holder goes away (tab closed, worker ended).
 * Where Web Locks are missing (Node, old browsers) an in-process queue per name serialises the
 * calls of this realm only.
 */
import { AbortError } from '../errors/errors.ts';

const localQueues = new Map<string, Promise<unknown>>();

/** The lock name of a namespace in a database. */
export function modelLockName(databaseName: string, namespace: string): string {
  return `pocketrec:${databaseName}:${namespace}`;
}

/** True when `withModelLock` excludes other tabs too (Web Locks), not only this realm. */
export function crossTabLocks(): boolean {
  return typeof (globalThis.navigator as Navigator | undefined)?.locks?.request === 'function';
}

/** Runs `fn` holding the exclusive lock `name`; waiting for it ends with `AbortError` when `signal` fires. */
export async function withModelLock<T>(name: string, signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  if (signal?.aborted) throw new AbortError();
  if (crossTabLocks()) {
    try {
      return await navigator.locks.request(name, { mode: 'exclusive', ...(signal ? { signal } : {}) }, () => fn());
    } catch (error) {
      if (signal?.aborted && (error as { name?: unknown } | null)?.name === 'AbortError') throw new AbortError();
      throw error;
    }
  }
  const previous = localQueues.get(name) ?? Promise.resolve();
  const run = previous.then(
    () => (signal?.aborted ? Promise.reject(new AbortError()) : fn()),
    () => (signal?.aborted ? Promise.reject(new AbortError()) : fn()),
  );
  const settled = run.catch(() => undefined);
  localQueues.set(name, settled);
  void settled.then(() => {
    if (localQueues.get(name) === settled) localQueues.delete(name);
  });
  return run;
}
