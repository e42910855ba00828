/**
 * Starts the engine inside a worker: installs the typed-error transfer and exposes an `Engine`
 * (with the real `DecoderRuntime`) over comlink. workers/engine.worker.ts calls this; a host that
 * writes its own worker file does the same (docs/embedding.md).
 */
import { expose, type Endpoint } from 'comlink';
import { installErrorTransfer } from '../errors/transfer.ts';
import { DecoderRuntime } from '../model/runtime.ts';
import { Engine } from './engine.ts';

/** Exposes a fresh engine on `endpoint` (default: the worker's global scope). */
export function startEngineWorker(endpoint: Endpoint = self as unknown as Endpoint): Engine {
  installErrorTransfer();
  const engine = new Engine({ createRuntime: (manifest, files) => DecoderRuntime.fromArtifacts(manifest, files) });
  expose(engine, endpoint);
  return engine;
}
