/**
 * The UniPinRec-style ranking head: one model for retrieval and ranking. The history is encoded once
 * (the decoder's per-block KV cache); each candidate item becomes one extra token that runs through
 * the decoder's own blocks, attending to the cached history keys / values of each block and to itself
 * (one query per candidate, no candidate-candidate attention), exactly as if it were appended to the
 * history on its own. A small MLP on its final hidden state predicts a distribution over
 * `['none', ...outcomes]`: no interaction, or an interaction with each outcome.
 *
 * The candidate token is item * sqrt(d) + position(next slot) + (requested outcome's input embedding,
 * or the learned `rank.none` row when no outcome is requested) with no time features. Trained and
 * served with "none"; with a requested outcome the token is the event the decoder would see, which is
 * what the unit test checks against a full forward with the candidate appended.
 *
 * Parameters (`rank.*`, exported in weights.bin): `rank.none` [1, d], `rank.mlp.in.kernel` [d, r],
 * `rank.mlp.in.bias` [r], `rank.mlp.out.kernel` [r, outcomes + 1], `rank.mlp.out.bias` [outcomes + 1].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Decoder, DecoderConfig, LayerCache } from './decoder.ts';
import { dense, layerNorm, mm } from './ops.ts';
import { SeededRng } from '../util/rng.ts';

/** The ranking head's shape, stored in the manifest's `model.ranking`. */
export interface RankingHeadConfig {
  /** Hidden width of the head's MLP. */
  hiddenDim: number;
}

/** Class index of "no interaction"; outcome o is class o + 1. */
export const NO_INTERACTION = 0;

/** Added to attention scores of keys a candidate must not see. */
const MASKED = -1e9;

/** Names and shapes of the ranking head's parameters, in artifact order. */
export function rankingParameterShapes(config: DecoderConfig, ranking: RankingHeadConfig): [string, number[]][] {
  const d = config.dim;
  const r = ranking.hiddenDim;
  const classes = config.outcomeCount + 1;
  return [
    ['rank.none', [1, d]],
    ['rank.mlp.in.kernel', [d, r]],
    ['rank.mlp.in.bias', [r]],
    ['rank.mlp.out.kernel', [r, classes]],
    ['rank.mlp.out.bias', [classes]],
  ];
}

/** Checks a ranking config (from a CLI or a manifest); throws a clear Error on nonsense. */
export function validateRankingConfig(ranking: RankingHeadConfig): void {
  if (typeof ranking !== 'object' || ranking === null) throw new Error('ranking head: config is not an object');
  const r = ranking.hiddenDim;
  if (typeof r !== 'number' || !Number.isInteger(r) || r <= 0 || r > 65536)
    throw new Error(`ranking head: hiddenDim must be a positive integer, got ${String(r)}`);
}

let nextInstance = 0;

/** Fresh trainable ranking parameters, deterministic in `seed` (kernels N(0, 1/fan-in), biases 0). */
export function initRankingParams(config: DecoderConfig, ranking: RankingHeadConfig, seed: number): Map<string, tf.Variable> {
  validateRankingConfig(ranking);
  const rng = new SeededRng(seed ^ 0x7a3c91);
  const instance = nextInstance++;
  const out = new Map<string, tf.Variable>();
  for (const [name, shape] of rankingParameterShapes(config, ranking)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(size);
    if (!name.endsWith('.bias')) {
      const std = name.endsWith('.kernel') ? 1 / Math.sqrt(shape[0]!) : 0.02;
      for (let i = 0; i < size; i++) values[i] = rng.normal() * std;
    }
    out.set(name, tf.variable(tf.tensor(values, shape), true, `ranking${instance}.${name}`));
  }
  return out;
}

/** Where each candidate looks: its history (row of a batch) and how much of it it sees. */
export interface CandidateGroups {
  /** Candidates per history, in order (they are stacked in this order); sums to C. */
  counts: number[];
  /** Additive masks [count_b, S_b] per history (0 visible, MASKED hidden), or null: all keys visible. */
  masks: (tf.Tensor2D | null)[];
}

/**
 * The ranking head over a decoder's parameters. Holds no tensors of its own: `params` holds the
 * `rank.*` tensors (trainable variables in training, artifact tensors at runtime).
 */
export class RankingHead {
  constructor(
    readonly decoder: Decoder,
    readonly params: Map<string, tf.Tensor>,
    readonly config: RankingHeadConfig,
  ) {
    validateRankingConfig(config);
    for (const [name, shape] of rankingParameterShapes(decoder.config, config)) {
      const p = params.get(name);
      if (!p) throw new Error(`ranking head: missing parameter ${name}`);
      if (p.shape.join(',') !== shape.join(','))
        throw new Error(`ranking head: parameter ${name} has shape [${p.shape}], expected [${shape}]`);
    }
  }

  /** Number of classes: none + one per outcome. */
  get classes(): number {
    return this.decoder.config.outcomeCount + 1;
  }

  private p(name: string): tf.Tensor {
    return (this.params.get(name) ?? this.decoder.params.get(name))!;
  }

  /**
   * Candidate tokens [C, d]: item * sqrt(d) + position + (requested outcome's input embedding, or
   * `rank.none` where `requested` is null / -1). positions int32 [C], already clamped to maxLen - 1.
   */
  candidateTokens(items: tf.Tensor1D, positions: tf.Tensor1D, requested: Int32Array | null): tf.Tensor2D {
    return tf.tidy(() => {
      const c = this.decoder.config;
      const C = items.shape[0];
      let x = tf.mul(this.decoder.itemRepresentation(items), Math.sqrt(c.dim)) as tf.Tensor2D; // [C, d]
      x = tf.add(x, tf.gather(this.p('token.position'), positions)) as tf.Tensor2D; // [C, d]
      const none = tf.tile(this.p('rank.none'), [C, 1]) as tf.Tensor2D; // [C, d]
      if (!requested || !c.inputOutcomes) return tf.add(x, none) as tf.Tensor2D;
      const useOutcome = tf.tensor2d(
        Float32Array.from(requested, (o) => (o >= 0 ? 1 : 0)),
        [C, 1],
      ); // [C, 1]
      const outcome = tf.gather(
        this.p('token.outcome'),
        tf.tensor1d(
          Int32Array.from(requested, (o) => Math.max(0, o)),
          'int32',
        ),
      ); // [C, d]
      const extra = tf.add(tf.mul(outcome, useOutcome), tf.mul(none, tf.sub(1, useOutcome))); // [C, d]
      return tf.add(x, extra) as tf.Tensor2D;
    });
  }

  /**
   * Attention of candidate queries q [C_b, dh] over one history's keys / values [S, dh] plus each
   * candidate's own key / value (kSelf, vSelf [C_b, dh]). mask [C_b, S] or null. -> [C_b, dh].
   */
  private attendOne(
    q: tf.Tensor2D,
    k: tf.Tensor2D,
    v: tf.Tensor2D,
    kSelf: tf.Tensor2D,
    vSelf: tf.Tensor2D,
    mask: tf.Tensor2D | null,
  ): tf.Tensor2D {
    const scale = 1 / Math.sqrt(q.shape[1]);
    let history = tf.mul(mm(q, tf.transpose(k) as tf.Tensor2D), scale) as tf.Tensor2D; // [C_b, S]
    if (mask) history = tf.add(history, mask) as tf.Tensor2D;
    const self = tf.mul(tf.sum(tf.mul(q, kSelf), 1, true), scale) as tf.Tensor2D; // [C_b, 1]
    const weights = tf.softmax(tf.concat([history, self], 1)) as tf.Tensor2D; // [C_b, S+1]
    const S = k.shape[0];
    const wHistory = tf.slice(weights, [0, 0], [-1, S]) as tf.Tensor2D; // [C_b, S]
    const wSelf = tf.slice(weights, [0, S], [-1, 1]); // [C_b, 1]
    return tf.add(mm(wHistory, v), tf.mul(wSelf, vSelf)) as tf.Tensor2D; // [C_b, dh]
  }

  /**
   * Final hidden states [C, d] of candidate tokens x [C, d] run through every block of the decoder.
   * caches[i][b]: block i's keys / values of history b; the candidates are grouped by history
   * (`groups.counts`), each group attending to its own history only. Call inside a tidy.
   */
  candidateHidden(x: tf.Tensor2D, caches: LayerCache[][], groups: CandidateGroups): tf.Tensor2D {
    const c = this.decoder.config;
    const d = c.dim;
    const heads = c.heads;
    const nonEmpty = groups.counts.map((n, b) => [n, b] as const).filter(([n]) => n > 0);
    const split = (t: tf.Tensor2D): tf.Tensor2D[] =>
      nonEmpty.length === 1
        ? [t]
        : (tf.split(
            t,
            nonEmpty.map(([n]) => n),
            0,
          ) as tf.Tensor2D[]);
    const byHead = (t: tf.Tensor2D): tf.Tensor2D[] => (heads === 1 ? [t] : (tf.split(t, heads, 1) as tf.Tensor2D[]));
    for (let i = 0; i < c.blocks; i++) {
      const p = (n: string) => this.p(`blocks.${i}.${n}`);
      const h = layerNorm(x, p('ln1.gamma'), p('ln1.beta')); // [C, d]
      const qkv = dense(h, p('attn.qkv.kernel'), p('attn.qkv.bias')); // [C, 3d]
      const [q, kSelf, vSelf] = tf.split(qkv, [d, d, d], 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
      const qs = split(q);
      const ks = split(kSelf);
      const vs = split(vSelf);
      const attended = nonEmpty.map(([, b], g) => {
        const cache = caches[i]![b]!;
        const kh = byHead(cache.keys);
        const vh = byHead(cache.values);
        const qh = byHead(qs[g]!);
        const ksh = byHead(ks[g]!);
        const vsh = byHead(vs[g]!);
        const outs = qh.map((qq, hh) => this.attendOne(qq, kh[hh]!, vh[hh]!, ksh[hh]!, vsh[hh]!, groups.masks[b] ?? null));
        return heads === 1 ? outs[0]! : (tf.concat(outs, 1) as tf.Tensor2D); // [C_b, d]
      });
      const all = attended.length === 1 ? attended[0]! : (tf.concat(attended, 0) as tf.Tensor2D); // [C, d]
      const x1 = tf.add(x, dense(all, p('attn.out.kernel'), p('attn.out.bias'))) as tf.Tensor2D; // [C, d]
      const h2 = layerNorm(x1, p('ln2.gamma'), p('ln2.beta'));
      const ffn = dense(tf.relu(dense(h2, p('ffn.in.kernel'), p('ffn.in.bias'))), p('ffn.out.kernel'), p('ffn.out.bias'));
      x = tf.add(x1, ffn) as tf.Tensor2D; // [C, d]
    }
    return layerNorm(x, this.p('final_ln.gamma'), this.p('final_ln.beta')); // [C, d]
  }

  /** Class logits [C, outcomes + 1] from candidate hidden states [C, d] (class 0 = no interaction). */
  logits(hidden: tf.Tensor2D): tf.Tensor2D {
    return dense(
      tf.relu(dense(hidden, this.p('rank.mlp.in.kernel'), this.p('rank.mlp.in.bias'))),
      this.p('rank.mlp.out.kernel'),
      this.p('rank.mlp.out.bias'),
    );
  }

  /**
   * Inference: class probabilities [C, outcomes + 1] of `items` as the next event after ONE history
   * whose per-block KV cache is `caches` (S tokens, positions 0..S-1). The history is not re-encoded;
   * each candidate costs one token through the blocks. `requested` (optional, -1 = none) sets a
   * requested outcome per candidate. The caller disposes the result.
   */
  score(caches: LayerCache[], items: ArrayLike<number>, requested: Int32Array | null = null): tf.Tensor2D {
    const C = items.length;
    if (C === 0) throw new RangeError('ranking head: no candidates');
    const S = caches[0]!.keys.shape[0];
    const position = Math.min(S, this.decoder.config.maxLen - 1);
    return tf.tidy(() => {
      const x = this.candidateTokens(
        tf.tensor1d(Int32Array.from(items), 'int32'),
        tf.fill([C], position, 'int32') as tf.Tensor1D,
        requested,
      );
      const hidden = this.candidateHidden(
        x,
        caches.map((c) => [c]),
        { counts: [C], masks: [null] },
      );
      return tf.softmax(this.logits(hidden)) as tf.Tensor2D; // [C, classes]
    });
  }
}

/** Ranking targets of one training batch: candidates grouped by row, in row order. */
export interface RankingTargets {
  /** int32 [C] row (sequence of the batch) of each candidate, non-decreasing. */
  rows: Int32Array;
  /** int32 [C] slot within the row of the last history token the candidate sees. */
  context: Int32Array;
  /** int32 [C] candidate item. */
  items: Int32Array;
  /** int32 [C] class: 0 = no interaction (sampled negative), o + 1 = the real next event with outcome o. */
  labels: Int32Array;
  /** int32 [C] candidate position (context position + 1, at most maxLen - 1). */
  positions: Int32Array;
}

/**
 * Class logits [C, outcomes + 1] of a training batch's ranking candidates, given the full forward's
 * per-block keys / values ([B*L, d] each, `Decoder.forwardStates`). A candidate of row b with context
 * slot t sees the row's real keys at slots <= t (and itself): the same as `RankingHead.score` on a KV
 * cache of that prefix. Call inside a tidy / gradient tape.
 */
export function rankingLogits(
  head: RankingHead,
  caches: LayerCache[],
  batch: number,
  length: number,
  valid: Float32Array,
  targets: RankingTargets,
): tf.Tensor2D {
  const C = targets.items.length;
  const L = length;
  const counts = new Array<number>(batch).fill(0);
  for (let i = 0; i < C; i++) counts[targets.rows[i]!]!++;
  const masks: (tf.Tensor2D | null)[] = [];
  let at = 0;
  for (let b = 0; b < batch; b++) {
    const n = counts[b]!;
    if (n === 0) {
      masks.push(null);
      continue;
    }
    const m = new Float32Array(n * L);
    for (let r = 0; r < n; r++) {
      const t = targets.context[at + r]!;
      for (let j = 0; j < L; j++) if (j > t || valid[b * L + j] === 0) m[r * L + j] = MASKED;
    }
    masks.push(tf.tensor2d(m, [n, L]));
    at += n;
  }
  const perRow = caches.map((c) => {
    const ks = batch === 1 ? [c.keys] : (tf.split(c.keys, batch, 0) as tf.Tensor2D[]);
    const vs = batch === 1 ? [c.values] : (tf.split(c.values, batch, 0) as tf.Tensor2D[]);
    return ks.map((k, b) => ({ keys: k, values: vs[b]! }));
  });
  const x = head.candidateTokens(tf.tensor1d(targets.items, 'int32'), tf.tensor1d(targets.positions, 'int32'), null);
  const hidden = head.candidateHidden(x, perRow, { counts, masks });
  return head.logits(hidden); // [C, classes]
}

/** Mean cross-entropy of the ranking head over a training batch (see `rankingLogits`). */
export function rankingLoss(
  head: RankingHead,
  caches: LayerCache[],
  batch: number,
  length: number,
  valid: Float32Array,
  targets: RankingTargets,
): tf.Scalar {
  const C = targets.items.length;
  const logp = tf.logSoftmax(rankingLogits(head, caches, batch, length, valid, targets)); // [C, classes]
  const onehot = tf.oneHot(tf.tensor1d(targets.labels, 'int32'), head.classes); // [C, classes]
  return tf.neg(tf.div(tf.sum(tf.mul(logp, onehot)), C)) as tf.Scalar;
}
