/**
 * Node-only: the trainer's host (options.ts) on node:fs and worker_threads. The CLI and Node tests pass
 * `nodeTrainerHost` as `TrainOptions.host` to get checkpoints and `--workers 2`.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/node-fs.ts';
import type { TrainerHost } from './options.ts';
import { GradientWorker } from './parallel.ts';

/** Checkpoints on the local disk, gradient shards on a worker thread. */
export const nodeTrainerHost: TrainerHost = {
  join: (dir, name) => join(dir, name),
  exists: (path) => existsSync(path),
  makeDir: (path) => void mkdirSync(path, { recursive: true }),
  readText: (path) => readFileSync(path, 'utf8'),
  readBytes: (path) => readFileSync(path),
  writeAtomic: (path, data) => writeFileAtomic(path, data),
  createGradientWorker: (config, options, itemEncoder) => new GradientWorker(config, options, itemEncoder),
};
