/**
 * The training worker's side of protocol.ts: imports the dropped files (streamed from the `File`s,
 * never read whole), keeps the Dataset, sets up TF.js (wasm with the training kernels of
 * src/train/kernels, or WebGPU) and runs the pipeline (run.ts), posting progress as it goes.
 * Backend selection is injected (workers/train.worker.ts passes the engine's `selectBackend`), so this
 * layer needs nothing from the engine.
 */
import * as tf from '@tensorflow/tfjs-core';
import { DataFormatError } from '../data/errors.ts';
import { blobTextSource } from '../data/lines.ts';
import type { Dataset } from '../data/types.ts';
import { registerWasmTrainingKernels } from '../train/backend.ts';
import type { TrainBackend, TrainReply, TrainRequest } from './protocol.ts';
import { importLog, trainOnDataset, type PipelineEvent } from './run.ts';

/** What the worker entry supplies. */
export interface TrainingWorkerDeps {
  /** Selects and initialises a TF.js backend; returns its name. */
  selectBackend(preference: TrainBackend): Promise<{ backend: string; note?: string }>;
  /** wasm threads the backend will use (1 unless cross-origin isolated with the threaded build). */
  wasmThreads?(): number;
}

/** The part of a worker scope the training worker uses. */
export interface WorkerScopeLike {
  postMessage(message: TrainReply, transfer?: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent<TrainRequest>) => void): void;
}

/** Wires the protocol onto `scope` (the dedicated worker's global). */
export function startTrainingWorker(deps: TrainingWorkerDeps, scope: WorkerScopeLike = self as unknown as WorkerScopeLike): void {
  let dataset: Dataset | undefined;
  let stopRequested = false;
  let busy = false;
  const post = (reply: TrainReply, transfer?: Transferable[]): void => scope.postMessage(reply, transfer);
  const onEvent = (event: PipelineEvent): void => post({ type: 'event', event });

  scope.addEventListener('message', (message) => {
    const request = message.data;
    if (request.type === 'stop') {
      stopRequested = true;
      return;
    }
    if (busy) return; // the page disables its buttons while the worker works
    busy = true;
    const work = request.type === 'import' ? runImport(request) : runTraining(request.settings, request.backend);
    void work.finally(() => {
      busy = false;
    });
  });

  async function runImport(request: Extract<TrainRequest, { type: 'import' }>): Promise<void> {
    dataset = undefined;
    try {
      dataset = await importLog(
        {
          events: blobTextSource(request.events, request.eventsName),
          ...(request.items ? { items: blobTextSource(request.items, request.itemsName ?? 'items.csv') } : {}),
        },
        { onEvent },
      );
      post({
        type: 'imported',
        name: dataset.name,
        summary: dataset.summary,
        users: dataset.sequences.length,
        items: dataset.catalog.ids.length,
      });
    } catch (error) {
      if (error instanceof DataFormatError)
        post({
          type: 'import-error',
          error: { message: error.message, file: error.file, ...(error.line > 0 ? { line: error.line } : {}) },
        });
      else post({ type: 'import-error', error: { message: error instanceof Error ? error.message : String(error) } });
    }
  }

  async function runTraining(
    settings: Extract<TrainRequest, { type: 'train' }>['settings'],
    backend: TrainBackend,
  ): Promise<void> {
    if (!dataset) {
      post({ type: 'train-error', message: 'import a log first' });
      return;
    }
    stopRequested = false;
    try {
      registerWasmTrainingKernels();
      // `auto` trains on wasm: on WebGPU the trainer's synchronous reads (dataSync after each step)
      // fail in TF.js 4.22 here ("mapAsync ... external Instance reference no longer exists"), so
      // WebGPU training is offered only when asked for, as experimental (docs/training.md).
      const selected = await deps.selectBackend(backend === 'auto' ? 'wasm' : backend);
      post({
        type: 'backend',
        backend: tf.getBackend(),
        threads: tf.getBackend() === 'wasm' ? (deps.wasmThreads?.() ?? 1) : 1,
        wasmKernels: tf.getBackend() === 'wasm',
        ...(selected.note ? { note: selected.note } : backend === 'auto' ? { note: 'Automatic trains on WebAssembly' } : {}),
      });
      const result = await trainOnDataset(dataset, settings, {
        onEvent,
        shouldStop: () => stopRequested,
        yieldBetweenSteps: true,
      });
      post(
        { type: 'done', result },
        Object.values(result.files).map((bytes) => bytes.buffer as ArrayBuffer),
      );
    } catch (error) {
      post({ type: 'train-error', message: error instanceof Error ? error.message : String(error) });
    }
  }
}
