/**
 * Causal self-attention over PACKED sequences, and the packing itself. The decoder computes its
 * blocks only on the real (non-padded) tokens of a batch: the rows of every sequence one after the
 * other, [R, d] with R = the sum of the sequences' lengths. On ML-1M about 46% of a 128 x 200 batch is
 * left padding, so this skips that share of every dense layer, and attention costs sum(T_b^2) instead
 * of B * L^2 (docs/training.md, "Speed").
 *
 * `causalAttention` runs the registered fused kernel (`CAUSAL_ATTENTION_KERNEL`, one call for the
 * whole batch, forward and backward; the Node training backend registers it for wasm:
 * src/train/kernels/attention.ts) when the backend has one, else the same computation with core TF.js
 * ops per sequence (browser inference on webgpu / wasm / cpu).
 */
import * as tf from '@tensorflow/tfjs-core';
import { mm } from './ops.ts';
import type { TokenBatch } from './tokens.ts';

/** Added to attention scores where a key must not be seen. */
const MASKED = -1e9;

/** Which slots of a padded batch are real, packed in order. */
export interface PackedRows {
  /** int32 [R]: the batch slot (row of [B*L, ...]) of each packed row. */
  slots: Int32Array;
  /** int32 [B]: real tokens per sequence (its last slots; rows are left-padded). */
  lengths: Int32Array;
}

/** The packed layout of a left-padded batch: each row's slots from its first valid one on. */
export function packRows(tokens: TokenBatch): PackedRows {
  const { batch: B, length: L } = tokens;
  const lengths = new Int32Array(B);
  const slots: number[] = [];
  for (let b = 0; b < B; b++) {
    let from = 0;
    while (from < L && tokens.valid[b * L + from] === 0) from++;
    lengths[b] = L - from;
    for (let t = from; t < L; t++) slots.push(b * L + t);
  }
  return { slots: Int32Array.from(slots), lengths };
}

/** Rows `slots` of a row-major [n, width] array: [R, width]. */
export function pickRows<A extends Int32Array | Float32Array>(values: A, slots: Int32Array, width: number): A {
  const out = new (values.constructor as new (n: number) => A)(slots.length * width);
  for (let r = 0; r < slots.length; r++) out.set(values.subarray(slots[r]! * width, (slots[r]! + 1) * width), r * width);
  return out;
}

/** Scatters packed rows x [R, d] back to the padded layout [total, d]; padded slots get zeros. */
export function unpackRows(x: tf.Tensor2D, packed: PackedRows, total: number): tf.Tensor2D {
  const R = packed.slots.length;
  if (R === total) return x; // no padding: the packed order is the slot order
  const index = new Int32Array(total).fill(R); // row R = the appended zero row
  packed.slots.forEach((slot, r) => (index[slot] = r));
  const withZero = tf.concat([x, tf.zeros([1, x.shape[1]])], 0) as tf.Tensor2D; // [R + 1, d]
  return tf.gather(withZero, tf.tensor1d(index, 'int32')) as tf.Tensor2D; // [total, d]
}

/**
 * Name of the optional fused causal-attention kernel. Inputs q [R, d] (already scaled by
 * 1/sqrt(d/heads)), k, v [sum(S_b) + R, d] as below; attrs `lengths` (tokens per sequence), `cached`
 * (S_b per sequence, or one S for all);
 * `heads`. Outputs: the attended values [R, d] and the attention weights (saved for the gradient).
 * `CAUSAL_ATTENTION_GRAD_KERNEL` takes q, k, v, the weights and dy and returns dq, dk, dv.
 */
export const CAUSAL_ATTENTION_KERNEL = 'PocketrecCausalAttention';
/** The gradient kernel of `CAUSAL_ATTENTION_KERNEL`. */
export const CAUSAL_ATTENTION_GRAD_KERNEL = 'PocketrecCausalAttentionGrad';

/** Attributes of the fused attention kernels. */
export interface CausalAttentionAttrs {
  /** Tokens per sequence (new tokens; sum = R). */
  lengths: number[];
  /** Cached tokens before each sequence's new ones (S_b), or one count for all. */
  cached: number | number[];
  heads: number;
  [key: string]: number | number[];
}

/** Causal mask [T, S+T] for T new tokens after S cached ones: query i sees keys j <= S + i. */
function causalMask(T: number, S: number): tf.Tensor2D {
  const m = new Float32Array(T * (S + T));
  for (let i = 0; i < T; i++) for (let j = S + i + 1; j < S + T; j++) m[i * (S + T) + j] = MASKED;
  return tf.tensor2d(m, [T, S + T]);
}

/** The fused kernels as a differentiable op (the backend has both registered). */
function fusedAttention(attrs: CausalAttentionAttrs): (q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D) => tf.Tensor2D {
  return tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [q, k, v, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    const [out, weights] = tf.engine().runKernel(CAUSAL_ATTENTION_KERNEL, { q, k, v }, attrs) as tf.Tensor[];
    save([q, k, v, weights!]); // the weights P, read by the gradient instead of recomputed
    return {
      value: out!,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, sw] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        return tf
          .engine()
          .runKernel(CAUSAL_ATTENTION_GRAD_KERNEL, { q: sq, k: sk, v: sv, weights: sw, dy }, attrs) as tf.Tensor[];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (
    q: tf.Tensor2D,
    k: tf.Tensor2D,
    v: tf.Tensor2D,
  ) => tf.Tensor2D;
}

/**
 * Causal multi-head attention of packed sequences. q [R, d]: the new tokens of B sequences, `lengths`
 * of them each, in order; k, v [sum(S_b) + R, d] hold each sequence's S_b cached tokens (`cached`: one
 * count per sequence, or one for all) then its new ones. New token i of a sequence sees its cached
 * tokens and new tokens <= i. Returns [R, d], heads concatenated.
 */
export function causalAttention(
  q: tf.Tensor2D,
  k: tf.Tensor2D,
  v: tf.Tensor2D,
  lengths: Int32Array,
  cached: number | Int32Array,
  heads: number,
): tf.Tensor2D {
  const d = q.shape[1];
  const dh = d / heads;
  const qs = tf.mul(q, 1 / Math.sqrt(dh)) as tf.Tensor2D; // [R, d], scaled once
  const backend = tf.getBackend();
  if (
    q.dtype === 'float32' &&
    tf.getKernel(CAUSAL_ATTENTION_KERNEL, backend) &&
    tf.getKernel(CAUSAL_ATTENTION_GRAD_KERNEL, backend)
  )
    return fusedAttention({
      lengths: Array.from(lengths),
      cached: typeof cached === 'number' ? cached : Array.from(cached),
      heads,
    })(qs, k, v);
  // Core ops, one sequence (and head) at a time on 2-D tensors.
  const cachedOf = (b: number): number => (typeof cached === 'number' ? cached : cached[b]!);
  // Key rows of every sequence (cached + new), and the sequences with new tokens.
  const keyLengths = Array.from(lengths, (T, b) => cachedOf(b) + T);
  const kAll = keyLengths.length === 1 ? [k] : (tf.split(k, keyLengths, 0) as tf.Tensor2D[]);
  const vAll = keyLengths.length === 1 ? [v] : (tf.split(v, keyLengths, 0) as tf.Tensor2D[]);
  const usedIdx = Array.from(lengths.keys()).filter((b) => lengths[b]! > 0);
  const used = usedIdx.map((b) => lengths[b]!);
  const qb = used.length === 1 ? [qs] : (tf.split(qs, used, 0) as tf.Tensor2D[]);
  const kb = usedIdx.map((b) => kAll[b]!);
  const vb = usedIdx.map((b) => vAll[b]!);
  const masks = new Map<string, tf.Tensor2D>();
  const maskOf = (T: number, S: number): tf.Tensor2D => {
    let m = masks.get(`${T},${S}`);
    if (!m) masks.set(`${T},${S}`, (m = causalMask(T, S)));
    return m;
  };
  const outs = used.map((T, b) => {
    const S = cachedOf(usedIdx[b]!);
    const perHead = (x: tf.Tensor2D) => (heads === 1 ? [x] : (tf.split(x, heads, 1) as tf.Tensor2D[]));
    const [qh, kh, vh] = [perHead(qb[b]!), perHead(kb[b]!), perHead(vb[b]!)];
    const o = qh.map((qq, h) => {
      const scores = tf.add(mm(qq, tf.transpose(kh[h]!) as tf.Tensor2D), maskOf(T, S)) as tf.Tensor2D; // [T, S+T]
      return mm(tf.softmax(scores) as tf.Tensor2D, vh[h]!); // [T, dh]
    });
    return heads === 1 ? o[0]! : (tf.concat(o, 1) as tf.Tensor2D); // [T, d]
  });
  if (outs.length === 0) return tf.zeros([0, d]);
  return outs.length === 1 ? outs[0]! : (tf.concat(outs, 0) as tf.Tensor2D); // [R, d]
}
