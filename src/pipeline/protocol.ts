/**
 * Messages between the "Train on your own data" page (src/demo/train) and its dedicated worker
 * (worker.ts, started by workers/train.worker.ts). Plain structured-clone messages: `File`s go in,
 * progress events and the exported artifacts (transferred, not copied) come out. Nothing here is sent
 * anywhere else: the data stays in the page's worker.
 */
import type { ImportSummary } from '../data/types.ts';
import type { PipelineEvent, PipelineResult } from './run.ts';
import type { PipelineSettings } from './settings.ts';

/** The backends training may ask for (`auto`: wasm; WebGPU training is experimental, see worker.ts). */
export type TrainBackend = 'auto' | 'wasm' | 'webgpu';

/** Page -> worker. */
export type TrainRequest =
  | { type: 'import'; events: Blob; eventsName: string; items?: Blob; itemsName?: string }
  | { type: 'train'; settings: PipelineSettings; backend: TrainBackend }
  /** Stop training after the current step; the best model so far is kept, tested and exported. */
  | { type: 'stop' };

/** Where an import error points. */
export interface ImportErrorReport {
  message: string;
  /** File and 1-based line, where the error names one (DataFormatError). */
  file?: string;
  line?: number;
}

/** Worker -> page. */
export type TrainReply =
  | { type: 'event'; event: PipelineEvent }
  | { type: 'imported'; name: string; summary: ImportSummary; users: number; items: number }
  | { type: 'import-error'; error: ImportErrorReport }
  | {
      type: 'backend';
      backend: string;
      /** wasm threads in use (1 unless the page is cross-origin isolated). */
      threads: number;
      /** Whether the custom wasm training kernels (src/train/kernels) are registered. */
      wasmKernels: boolean;
      note?: string;
    }
  | { type: 'done'; result: PipelineResult }
  | { type: 'train-error'; message: string };
