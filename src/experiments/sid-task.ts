/**
 * The next-item SID prediction task used to measure PrefixMem (issue 4's ablation) and to pre-train
 * it: from a user's history predict the next item's SID code by code.
 *
 * Model (SidPredictor):
 *   item_i   = PrefixMem.embedItems(SID of item i)                           [dim]
 *   query    = concat(item_last, mean(item over the last `historyLength` items))   [2 * dim]
 *   logits_l = SidHead(query, context_l, l),  context_l = PrefixMem.embedLevels(target SID)[l - 1]
 *              (or, with `context: 'sum'`, the sum of positions 0..l-1)
 * Trained teacher-forced with the summed cross-entropy over all SID positions. Generation is
 * prefix-constrained beam search over the trie, with context_l computed from each beam's prefix.
 *
 * The same model with PrefixMem's `useMemory: false` is the plain per-level code embedding ablation; both
 * variants see the same batches (same seed), so their step counts and data match exactly.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../train/tf-training.ts'; // gradients of the stock ops
import { PrefixMem, prefixHashConfigOf, type PrefixMemConfig } from '../model/prefixmem.ts';
import { SidHead, crossEntropy, initSidHeadVariables, logSoftmax, sidVocabSizes } from '../model/sid-head.ts';
import { constrainedBeamSearchBatch } from '../sid/beam-search.ts';
import { hashPrefixRows, prefixHashIndices } from '../sid/prefix-hash.ts';
import { SeededRng } from '../util/rng.ts';
import type { SidTable } from '../sid/sid-table.ts';
import type { SidTrie } from '../sid/trie.ts';

/** Task hyper-parameters. */
export interface SidTaskConfig {
  /** History items averaged into the query, e.g. 20. */
  historyLength: number;
  /** Head hidden width, e.g. 128. */
  hiddenDim: number;
  /** Examples per step, e.g. 256. */
  batchSize: number;
  /** Adam learning rate, e.g. 3e-3. */
  learningRate: number;
  /**
   * The head's prefix context at position l: 'last' = embedding of position l - 1 (a decoder's input
   * token; the default), 'sum' = sum of the embeddings of positions 0..l-1 (gives plain embeddings
   * every prefix code, additively).
   */
  context: 'last' | 'sum';
  seed: number;
}

export const DEFAULT_SID_TASK: SidTaskConfig = {
  historyLength: 20,
  hiddenDim: 128,
  batchSize: 256,
  learningRate: 3e-3,
  context: 'last',
  seed: 0,
};

/** One example: a history (oldest first) and the item that followed it. */
export interface SidExample {
  history: Int32Array;
  target: number;
}

/** PrefixMem + SID head + the tensors of the SID table. */
export class SidPredictor {
  readonly mem: PrefixMem;
  readonly head: SidHead;
  private readonly headVariables: Map<string, tf.Variable>;
  readonly table: SidTable;
  readonly config: SidTaskConfig;
  /** int32 [items, sidLength] */
  private readonly itemCodes: tf.Tensor2D;
  /** int32 [items, sidLength, slots] */
  private readonly itemHash: tf.Tensor3D;
  private readonly vocab: number[];

  constructor(table: SidTable, memConfig: PrefixMemConfig, config: SidTaskConfig) {
    this.table = table;
    this.config = config;
    this.mem = new PrefixMem(memConfig, config.seed);
    this.vocab = sidVocabSizes(table);
    const headConfig = {
      vocabSizes: this.vocab,
      queryDim: 2 * memConfig.dim,
      prefixDim: memConfig.dim,
      hiddenDim: config.hiddenDim,
    };
    this.headVariables = initSidHeadVariables(headConfig, config.seed + 1);
    this.head = new SidHead(headConfig, this.headVariables);
    const slots = this.mem.slots;
    this.itemCodes = tf.tensor2d(Int32Array.from(table.codes), [table.items, table.sidLength], 'int32');
    this.itemHash = tf.tensor3d(
      prefixHashIndices(table.codes, table.items, table.sidLength, table.sidLength, prefixHashConfigOf(memConfig)),
      [table.items, table.sidLength, slots],
      'int32',
    );
  }

  /** All trainable variables. */
  trainableVariables(): tf.Variable[] {
    return [...this.mem.variables.values(), ...this.headVariables.values()];
  }

  /**
   * Query vectors [n, 2*dim] for n histories (each non-empty). Each distinct item in the batch is
   * embedded once (PrefixMem over [unique, L]); histories then gather their rows.
   */
  queries(histories: Int32Array[]): tf.Tensor2D {
    return tf.tidy(() => {
      const n = histories.length;
      const h = Math.min(this.config.historyLength, Math.max(...histories.map((x) => x.length)));
      const slotOf = new Map<number, number>();
      const unique: number[] = [];
      const slot = (item: number): number => {
        let s = slotOf.get(item);
        if (s === undefined) {
          s = unique.length;
          slotOf.set(item, s);
          unique.push(item);
        }
        return s;
      };
      const rows = new Int32Array(n * h);
      const weights = new Float32Array(n * h);
      const last = new Int32Array(n);
      histories.forEach((hist, i) => {
        const take = hist.subarray(Math.max(0, hist.length - h));
        for (let j = 0; j < take.length; j++) {
          rows[i * h + j] = slot(take[j]!);
          weights[i * h + j] = 1 / take.length;
        }
        last[i] = slot(hist[hist.length - 1]!);
      });
      const items = tf.tensor1d(Int32Array.from(unique), 'int32');
      const reps = this.mem.embedItems(
        tf.gather(this.itemCodes, items) as tf.Tensor2D,
        tf.gather(this.itemHash, items) as tf.Tensor3D,
      ); // [U, dim]
      const dim = reps.shape[1];
      const histReps = tf.reshape(tf.gather(reps, tf.tensor1d(rows, 'int32')), [n, h, dim]); // [n, h, dim]
      const mean = tf.sum(tf.mul(histReps, tf.tensor3d(weights, [n, h, 1])), 1) as tf.Tensor2D; // [n, dim]
      const lastRep = tf.gather(reps, tf.tensor1d(last, 'int32')) as tf.Tensor2D; // [n, dim]
      return tf.concat([lastRep, mean], 1) as tf.Tensor2D;
    });
  }

  /** Teacher-forced logits per SID position for targets [n] given queries [n, 2*dim]. */
  teacherForcedLogits(query: tf.Tensor2D, targets: Int32Array): tf.Tensor2D[] {
    const rows = tf.tensor1d(targets, 'int32');
    const codes = tf.gather(this.itemCodes, rows) as tf.Tensor2D;
    const hash = tf.gather(this.itemHash, rows) as tf.Tensor3D;
    const levels = this.mem.embedLevels(codes, hash); // [n, P, dim]
    const out: tf.Tensor2D[] = [];
    for (let l = 0; l < this.table.sidLength; l++)
      out.push(this.head.logits(query, l === 0 ? null : this.prefixContext(levels, l), l));
    return out;
  }

  /** The head's context for position l >= 1 from position embeddings [n, >= l, dim] -> [n, dim]. */
  private prefixContext(levels: tf.Tensor3D, l: number): tf.Tensor2D {
    const [n, , dim] = levels.shape;
    if (this.config.context === 'sum') return tf.sum(tf.slice(levels, [0, 0, 0], [n, l, dim]), 1) as tf.Tensor2D;
    return tf.reshape(tf.slice(levels, [0, l - 1, 0], [n, 1, dim]), [n, dim]) as tf.Tensor2D;
  }

  /** Summed cross-entropy over SID positions for a batch (to be called inside a gradient tape). */
  loss(examples: SidExample[]): tf.Scalar {
    const query = this.queries(examples.map((e) => e.history));
    const targets = Int32Array.from(examples, (e) => e.target);
    const logits = this.teacherForcedLogits(query, targets);
    let total: tf.Scalar = tf.scalar(0);
    logits.forEach((lg, l) => {
      const codes = Int32Array.from(targets, (t) => this.table.codes[t * this.table.sidLength + l]!);
      total = tf.add(total, crossEntropy(lg, tf.tensor1d(codes, 'int32')));
    });
    return total;
  }

  /** Teacher-forced correct counts per SID position over `examples` (evaluated in chunks). */
  teacherForcedCorrect(examples: SidExample[], chunk = 512): number[] {
    const correct = new Array<number>(this.table.sidLength).fill(0);
    for (let s = 0; s < examples.length; s += chunk) {
      const part = examples.slice(s, s + chunk);
      const preds = tf.tidy(() => {
        const logits = this.teacherForcedLogits(
          this.queries(part.map((e) => e.history)),
          Int32Array.from(part, (e) => e.target),
        );
        return logits.map((lg) => tf.argMax(lg, 1));
      });
      preds.forEach((p, l) => {
        const values = p.dataSync();
        part.forEach((e, i) => {
          if (values[i] === this.table.codes[e.target * this.table.sidLength + l]) correct[l]!++;
        });
        p.dispose();
      });
    }
    return correct;
  }

  /**
   * Prefix-constrained beam search for many histories at once: returns, per history, up to
   * `beamWidth` items best first.
   */
  generate(trie: SidTrie, histories: Int32Array[], beamWidth: number): number[][] {
    const query = this.queries(histories);
    const slots = this.mem.slots;
    const hashConfig = prefixHashConfigOf(this.mem.config);
    try {
      const hits = constrainedBeamSearchBatch(
        trie,
        histories.length,
        (owner, beams, level) =>
          tf.tidy(() => {
            const q = tf.gather(query, tf.tensor1d(owner, 'int32')) as tf.Tensor2D;
            let context: tf.Tensor2D | null = null;
            if (level > 0) {
              const n = beams.length;
              const codes = new Int32Array(n * level);
              beams.forEach((b, i) => codes.set(b, i * level));
              const rows = new Int32Array(n * level * slots);
              for (let i = 0; i < n; i++) hashPrefixRows(codes, i * level, level, hashConfig, rows, i * level * slots);
              const levels = this.mem.embedLevels(
                tf.tensor2d(codes, [n, level], 'int32'),
                tf.tensor3d(rows, [n, level, slots], 'int32'),
              );
              context = this.prefixContext(levels, level);
            }
            return logSoftmax(this.head.logits(q, context, level)).dataSync() as Float32Array;
          }),
        beamWidth,
      );
      return hits.map((list) => list.map((h) => h.item));
    } finally {
      query.dispose();
    }
  }

  dispose(): void {
    this.mem.dispose();
    for (const v of this.headVariables.values()) v.dispose();
    this.itemCodes.dispose();
    this.itemHash.dispose();
  }
}

/** Samples training examples uniformly over all (user, position >= 1) pairs of the train sequences. */
export class ExampleSampler {
  private readonly sequences: Int32Array[];
  private readonly cumulative: Float64Array;
  private readonly rng: SeededRng;

  constructor(trainSequences: Int32Array[], seed: number) {
    this.sequences = trainSequences.filter((s) => s.length >= 2);
    this.cumulative = new Float64Array(this.sequences.length);
    let total = 0;
    this.sequences.forEach((s, i) => {
      total += s.length - 1;
      this.cumulative[i] = total;
    });
    this.rng = new SeededRng(seed);
  }

  /** Number of distinct training examples. */
  get size(): number {
    return this.cumulative.length > 0 ? this.cumulative[this.cumulative.length - 1]! : 0;
  }

  batch(size: number, historyLength: number): SidExample[] {
    const out: SidExample[] = [];
    for (let b = 0; b < size; b++) {
      const r = this.rng.next() * this.size;
      let lo = 0;
      let hi = this.cumulative.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (this.cumulative[mid]! > r) hi = mid;
        else lo = mid + 1;
      }
      const seq = this.sequences[lo]!;
      const before = lo > 0 ? this.cumulative[lo - 1]! : 0;
      const t = 1 + Math.min(seq.length - 2, Math.floor(r - before));
      out.push({ history: seq.subarray(Math.max(0, t - historyLength), t), target: seq[t]! });
    }
    return out;
  }
}

/** Trains for `steps` Adam steps; returns the loss every `logEvery` steps. */
export function trainSidPredictor(
  model: SidPredictor,
  sampler: ExampleSampler,
  steps: number,
  onLog?: (step: number, loss: number) => void,
  logEvery = 100,
): number[] {
  const optimizer = tf.train.adam(model.config.learningRate);
  const vars = model.trainableVariables();
  const losses: number[] = [];
  let running = 0;
  for (let step = 1; step <= steps; step++) {
    const batch = sampler.batch(model.config.batchSize, model.config.historyLength);
    const loss = optimizer.minimize(() => model.loss(batch), true, vars)!;
    running += loss.dataSync()[0]!;
    loss.dispose();
    if (step % logEvery === 0 || step === steps) {
      const mean = running / (step % logEvery === 0 ? logEvery : step % logEvery);
      losses.push(mean);
      onLog?.(step, mean);
      running = 0;
    }
  }
  optimizer.dispose();
  return losses;
}
