/**
 * The SID-decoding head: logits over the codes of SID position l from a query vector (the decoder's
 * outcome/horizon-conditioned query, or any user representation) and the PrefixMem embedding of the
 * prefix decoded so far (TIGER-style generation, code by code).
 *
 *   h_l      = relu(query Wq_l + context_l Wc_l + b_l)        [n, hidden]
 *   logits_l = h_l Wout_l + bout_l                             [n, vocab_l]
 *
 * context_l is the PrefixMem embedding of the prefix's LAST position (l - 1), like the input token of
 * a decoder step; position 0 has no prefix and no Wc. With PrefixMem that one embedding identifies
 * the whole prefix (through its n-gram memories); with plain code embeddings it only knows c_{l-1}.
 *
 * The head computes over a parameter map (names `sidhead.l<l>.<wq|wc|b|wout|bout>`), like the decoder:
 * a trainer passes variables (`initSidHeadVariables`), the runtime passes tensors loaded from
 * artifacts. Core ops only (2-D matMul, add, relu), so it runs on webgpu / wasm / cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { SidTable } from '../sid/sid-table.ts';

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

/**
 * Codes per SID position for a head: K per quantization level, then the disambiguation size (at
 * least 2, since a one-way softmax is degenerate and TF.js' oneHot needs depth >= 2).
 */
export function sidVocabSizes(table: Pick<SidTable, 'sidLength' | 'levels' | 'codebookSize' | 'disambiguationSize'>): number[] {
  return Array.from({ length: table.sidLength }, (_, l) =>
    l < table.levels ? table.codebookSize : Math.max(2, table.disambiguationSize),
  );
}

/** Checks a head config (from a CLI or a manifest); throws a clear error on nonsense. */
export function validateSidHeadConfig(config: SidHeadConfig): void {
  const positive = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (typeof config !== 'object' || config === null) throw new Error('SID head config is not an object');
  if (
    !Array.isArray(config.vocabSizes) ||
    config.vocabSizes.length === 0 ||
    config.vocabSizes.length > 16 ||
    !config.vocabSizes.every((v) => positive(v) && v <= 65536)
  )
    throw new Error('SID head: vocabSizes must be 1 to 16 integers in 1..65536');
  for (const key of ['queryDim', 'prefixDim', 'hiddenDim'] as const)
    if (!positive(config[key])) throw new Error(`SID head: ${key} must be a positive integer, got ${String(config[key])}`);
}

/** The names and shapes of every head parameter, in artifact order. */
export function sidHeadShapes(config: SidHeadConfig): [string, number[]][] {
  const { queryDim, prefixDim, hiddenDim } = config;
  const shapes: [string, number[]][] = [];
  config.vocabSizes.forEach((vocab, l) => {
    shapes.push([`sidhead.l${l}.wq`, [queryDim, hiddenDim]]);
    if (l > 0) shapes.push([`sidhead.l${l}.wc`, [prefixDim, hiddenDim]]);
    shapes.push([`sidhead.l${l}.b`, [hiddenDim]], [`sidhead.l${l}.wout`, [hiddenDim, vocab]], [`sidhead.l${l}.bout`, [vocab]]);
  });
  return shapes;
}

let headSuffix = 0;

/**
 * Fresh trainable parameters, deterministic in `seed`: matrices N(0, 1/sqrt(fan-in)), biases 0.
 * Names as in `sidHeadShapes`.
 */
export function initSidHeadVariables(config: SidHeadConfig, seed: number): Map<string, tf.Variable> {
  validateSidHeadConfig(config);
  const variables = new Map<string, tf.Variable>();
  let offset = 0;
  for (const [name, shape] of sidHeadShapes(config)) {
    offset++;
    const bias = name.endsWith('.b') || name.endsWith('.bout');
    const std = 1 / Math.sqrt(shape[0]!);
    const init = () => (bias ? tf.zeros(shape) : tf.randomNormal(shape, 0, std, 'float32', seed * 7919 + offset));
    // TF.js variable names are global: keep them unique per head.
    variables.set(
      name,
      tf.tidy(() => tf.variable(init(), true, `${name}.${seed}.${headSuffix++}`)),
    );
  }
  return variables;
}

/** Per-position MLP heads over SID codes, computed over a parameter map. */
export class SidHead {
  readonly config: SidHeadConfig;

  constructor(
    config: SidHeadConfig,
    readonly params: Map<string, tf.Tensor>,
  ) {
    validateSidHeadConfig(config);
    this.config = { ...config, vocabSizes: [...config.vocabSizes] };
    for (const [name, shape] of sidHeadShapes(config)) {
      const p = params.get(name);
      if (!p) throw new Error(`SID head: missing parameter ${name}`);
      if (p.shape.join(',') !== shape.join(',')) throw new Error(`SID head: ${name} has shape [${p.shape}], expected [${shape}]`);
    }
  }

  /** SID positions the head predicts. */
  get levels(): number {
    return this.config.vocabSizes.length;
  }

  /** query [n, queryDim], context [n, prefixDim] (ignored, may be null, at level 0) -> logits [n, vocab_level]. */
  logits(query: tf.Tensor2D, context: tf.Tensor2D | null, level: number): tf.Tensor2D {
    return tf.tidy(() => {
      if (!(level >= 0 && level < this.levels)) throw new Error(`SidHead has no level ${level}`);
      const p = (n: string) => this.params.get(`sidhead.l${level}.${n}`)! as tf.Tensor2D;
      let pre = tf.matMul(query, p('wq')); // [n, hidden]
      if (level > 0) {
        if (!context) throw new Error(`level ${level} needs the prefix context`);
        pre = tf.add(pre, tf.matMul(context, p('wc')));
      }
      const hidden = tf.relu(tf.add(pre, p('b'))) as tf.Tensor2D; // [n, hidden]
      return tf.add(tf.matMul(hidden, p('wout')), p('bout')) as tf.Tensor2D; // [n, vocab]
    });
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
