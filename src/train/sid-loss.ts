/**
 * The SID head's part of the decoder's multi-task loss (`pocketrec train --sid-head`): for a sample of
 * the batch's queries, teacher-forced cross-entropy of the target item's semantic ID, code by code
 * (src/model/sid-decoding.ts), times `--sid-head-weight`, added to the embedding retrieval loss. The
 * target of a query is the first item of its horizon window (the next item for `next`; with outcome
 * conditioning, the first one with the query's outcome). Gradients reach the head, PrefixMem and the
 * decoder.
 *
 * A batch has one query per (event, horizon), tens of thousands on long histories; the SID loss uses
 * at most `maxRows` of them, chosen by a hash of the batch (no generator state: a resumed run sees the
 * same rows).
 */
import * as tf from '@tensorflow/tfjs-core';
import { SidDecoding } from '../model/sid-decoding.ts';
import { SidHead, initSidHeadVariables, type SidHeadConfig } from '../model/sid-head.ts';
import type { PrefixMemItemEncoder } from '../model/prefixmem-items.ts';
import { hash32 } from '../util/rng.ts';
import type { TrainingBatch } from './batches.ts';

/** Default weight of the SID loss against the retrieval loss. */
export const DEFAULT_SID_HEAD_WEIGHT = 1;
/** Default number of queries per batch that train the SID head. */
export const DEFAULT_SID_HEAD_ROWS = 2048;

/** The trainer's hook: extra variables and an extra loss term. */
export class SidHeadObjective {
  readonly variables: Map<string, tf.Variable>;
  readonly decoding: SidDecoding;

  constructor(
    readonly config: SidHeadConfig,
    encoder: PrefixMemItemEncoder,
    seed: number,
    readonly weight = DEFAULT_SID_HEAD_WEIGHT,
    readonly maxRows = DEFAULT_SID_HEAD_ROWS,
  ) {
    if (!(weight > 0)) throw new Error('SID head weight must be > 0');
    this.variables = initSidHeadVariables(config, seed);
    this.decoding = new SidDecoding(new SidHead(config, this.variables), encoder.prefixMem, encoder.table);
  }

  /** Query rows (of the batch's N) that train the SID head this step. */
  rows(batch: TrainingBatch): Int32Array {
    const N = batch.queryCount;
    if (N <= this.maxRows) return Int32Array.from({ length: N }, (_, i) => i);
    let h = hash32(N, batch.events);
    for (let i = 0; i < Math.min(64, batch.positives.length); i++) h = hash32(h, batch.positives[i]!);
    // A strided sample from a hashed start: spread over users and positions, no duplicates.
    const stride = N / this.maxRows;
    const start = (h % 1000) / 1000;
    return Int32Array.from({ length: this.maxRows }, (_, i) => Math.min(N - 1, Math.floor((i + start) * stride)));
  }

  /** weight x teacher-forced SID loss of the sampled queries; `queries` [N, d] are the batch's unit queries. */
  loss(queries: tf.Tensor2D, batch: TrainingBatch): tf.Scalar {
    return tf.tidy(() => {
      const rows = this.rows(batch);
      const W = batch.window;
      const targets = Int32Array.from(rows, (r) => batch.positives[r * W]!);
      const q = tf.gather(queries, tf.tensor1d(rows, 'int32')) as tf.Tensor2D;
      return tf.mul(this.decoding.teacherForcedLoss(q, targets), this.weight) as tf.Scalar;
    });
  }

  dispose(): void {
    for (const v of this.variables.values()) v.dispose();
  }
}
