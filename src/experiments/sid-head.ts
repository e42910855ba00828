/**
 * The SID-decoding head: logits over the codes of SID position l from a query vector (the decoder's
 * hidden state, or any user representation) and the PrefixMem embedding of the prefix decoded so far.
 *
 *   h_l      = relu(query Wq_l + context_l Wc_l + b_l)        [n, hidden]
 *   logits_l = h_l Wout_l + bout_l                             [n, vocab_l]
 *
 * context_l is the PrefixMem embedding of the prefix's LAST position (l - 1), like the input token of
 * a decoder step; position 0 has no prefix and no Wc. With PrefixMem that one embedding identifies
 * the whole prefix (through its n-gram memories); with plain code embeddings it only knows c_{l-1}.
 * Generating a full SID code by code with this head is prefix-constrained beam search
 * (src/sid/beam-search.ts).
 */
import * as tf from '@tensorflow/tfjs-core';

/** SID head hyper-parameters. */
export interface SidHeadConfig {
  /** Codes per SID position, e.g. [256, 256, 256, 12] (last = disambiguation size). */
  vocabSizes: number[];
  /** Width of the query vector, e.g. 64. */
  queryDim: number;
  /** Width of the PrefixMem embeddings, e.g. 64. */
  prefixDim: number;
  /** Hidden width, e.g. 128. */
  hiddenDim: number;
}

/** Per-position MLP heads over SID codes. */
export class SidHead {
  readonly config: SidHeadConfig;
  /** Trainable variables by stable name. */
  readonly variables: Map<string, tf.Variable>;
  private readonly perLevel: { wq: tf.Variable; wc?: tf.Variable; b: tf.Variable; wout: tf.Variable; bout: tf.Variable }[];

  constructor(config: SidHeadConfig, seed: number) {
    this.config = { ...config, vocabSizes: [...config.vocabSizes] };
    this.variables = new Map();
    let offset = 0;
    const add = (name: string, shape: number[], std: number): tf.Variable => {
      offset++;
      const init = std === 0 ? () => tf.zeros(shape) : () => tf.randomNormal(shape, 0, std, 'float32', seed * 7919 + offset);
      const variable = tf.tidy(() => tf.variable(init(), true, `sidhead.${name}.${seed}.${headSuffix++}`));
      this.variables.set(`sidhead.${name}`, variable);
      return variable;
    };
    const { queryDim, prefixDim, hiddenDim } = config;
    this.perLevel = config.vocabSizes.map((vocab, l) => ({
      wq: add(`l${l}.wq`, [queryDim, hiddenDim], 1 / Math.sqrt(queryDim)),
      wc: l > 0 ? add(`l${l}.wc`, [prefixDim, hiddenDim], 1 / Math.sqrt(prefixDim)) : undefined,
      b: add(`l${l}.b`, [hiddenDim], 0),
      wout: add(`l${l}.wout`, [hiddenDim, vocab], 1 / Math.sqrt(hiddenDim)),
      bout: add(`l${l}.bout`, [vocab], 0),
    }));
  }

  /** query [n, queryDim], context [n, prefixDim] (ignored, may be null, at level 0) -> logits [n, vocab_level]. */
  logits(query: tf.Tensor2D, context: tf.Tensor2D | null, level: number): tf.Tensor2D {
    return tf.tidy(() => {
      const p = this.perLevel[level];
      if (!p) throw new Error(`SidHead has no level ${level}`);
      let pre = tf.matMul(query, p.wq); // [n, hidden]
      if (p.wc) {
        if (!context) throw new Error(`level ${level} needs the prefix context`);
        pre = tf.add(pre, tf.matMul(context, p.wc));
      }
      const hidden = tf.relu(tf.add(pre, p.b)); // [n, hidden]
      return tf.add(tf.matMul(hidden, p.wout), p.bout) as tf.Tensor2D; // [n, vocab]
    });
  }

  /** Frees the variables. */
  dispose(): void {
    for (const variable of this.variables.values()) variable.dispose();
    this.variables.clear();
  }
}

/** Log-softmax over the last axis written as max-subtract-exp-sum-log (fast on wasm). */
export function logSoftmax(logits: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const shifted = tf.sub(logits, tf.max(logits, 1, true));
    return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true))) as tf.Tensor2D;
  });
}

/**
 * Mean cross-entropy of logits [n, vocab] against integer targets [n] (one-hot dot log-softmax,
 * core ops only).
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const vocab = logits.shape[1];
    const oneHot = tf.oneHot(targets, vocab);
    return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

let headSuffix = 0;
