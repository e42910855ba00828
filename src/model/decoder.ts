/**
 * The PinRec-style decoder: a causal transformer over a user's (item, outcome, time) events whose
 * output head turns a hidden state into retrieval queries, conditioned on the outcome we want and on
 * how far ahead we look (multi-token horizons). Retrieval is top-k by cosine over the item table.
 *
 * Reads top to bottom like nanoGPT's model.py: config -> parameters -> embed -> block -> forward ->
 * head. The block is written once: the full forward (training, evaluation) and the incremental KV-cache
 * forward (the runtime) run the same code, and token packing (src/model/tokens.ts) is shared too, so
 * the runtime's KV cache equals training's forward by construction.
 *
 * One module for Node training (wasm) and browser inference (webgpu / wasm / cpu). It uses only core
 * TF.js ops that exist on all three: 2-D matmuls with explicit transposes, their gradients too
 * (src/model/ops.ts; why: docs/training.md, "Speed"), blocks computed on the real tokens only, packed
 * without padding (src/model/attention.ts), and no einsum or 3-D x 2-D matMul (both mis-train in TF.js).
 *
 * Item indices are the dataset's dense indices 0..itemCount-1. Training batches are left-padded;
 * padded slots are left out of the computation (their hidden states are zeros), so a padded batch and
 * an unpadded single history give the same hidden states.
 */
import * as tf from '@tensorflow/tfjs-core';
import { causalAttention, packRows, pickRows, unpackRows } from './attention.ts';
import { dense, l2Normalize, layerNorm, mm } from './ops.ts';
import { TIME_FEATURES, type TokenBatch } from './tokens.ts';
import { MULBERRY32_INCREMENT, mulberry32Output } from '../util/rng.ts';

// ---------------------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------------------

/** A multi-token horizon: the query for it should match any item at future offsets [from, to]. */
export interface Horizon {
  /** Display name, e.g. `next`, `soon`, `later`. */
  name: string;
  /** First future offset counted (1 = the very next event). */
  from: number;
  /** Last future offset counted (inclusive). */
  to: number;
}

/** Next-token only: one horizon, the next event. */
export const NEXT_TOKEN_HORIZONS: Horizon[] = [{ name: 'next', from: 1, to: 1 }];
/** Default multi-token horizons (PinRec's temporal windows, scaled to short histories). */
export const MULTI_TOKEN_HORIZONS: Horizon[] = [
  { name: 'next', from: 1, to: 1 },
  { name: 'soon', from: 2, to: 5 },
  { name: 'later', from: 6, to: 15 },
];

/**
 * Everything that defines the decoder's shape. Stored verbatim in the manifest's `model.decoder`
 * field. Defaults (HSTU's ML-1M SASRec configuration with PinRec's extras on) live only in
 * `defaultDecoderConfig`; they are noted here for reading.
 */
export interface DecoderConfig {
  /** Number of items in the catalog (rows of the retrieval table). Required. */
  itemCount: number;
  /** Outcome vocabulary size (e.g. 3 for dislike / watch / love). Required. */
  outcomeCount: number;
  /** Model and embedding width d. Default 50. */
  dim: number;
  /** Transformer blocks. Default 2. */
  blocks: number;
  /** Attention heads; dim must divide by it. Default 1. */
  heads: number;
  /** Hidden width of each block's feed-forward layer. Default 4 * dim. */
  ffnDim: number;
  /** Longest history the model sees; older events are dropped. Default 200. */
  maxLen: number;
  /** Dropout rate in training (random masks are expensive on wasm). Default 0 (off). */
  dropout: number;
  /** Use a learned per-item ID embedding. Default true. */
  useIdEmbedding: boolean;
  /** Add PrefixMem's SID-based item representation (needs an `ItemEncoder`). Default false. */
  usePrefixMem: boolean;
  /** Condition the output head on the outcome (PinRec OC); off = one shared "any" outcome. Default true. */
  outcomeConditioning: boolean;
  /** Horizons the head emits. Default `NEXT_TOKEN_HORIZONS` (plain next-item prediction). */
  horizons: Horizon[];
  /** Add time features (hour-of-day, day-of-week, log gap) to tokens when timestamps exist. Default true. */
  timeFeatures: boolean;
  /** Add an input embedding of each event's own outcome to its token. Default true. */
  inputOutcomes: boolean;
  /** Hidden width of the output head's MLP. Default 2 * dim. */
  headDim: number;
  /** Softmax temperature on cosine similarities. Default 0.05. */
  temperature: number;
}

/**
 * The one place decoder defaults live: a full config from the required sizes plus any overrides.
 * Overrides that are `undefined` are ignored (a CLI passes only what the user gave).
 */
export function defaultDecoderConfig(
  overrides: Partial<DecoderConfig> & { itemCount: number; outcomeCount: number },
): DecoderConfig {
  const given = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as typeof overrides;
  const dim = given.dim ?? 50;
  return {
    dim,
    blocks: 2,
    heads: 1,
    ffnDim: 4 * dim,
    maxLen: 200,
    dropout: 0,
    useIdEmbedding: true,
    usePrefixMem: false,
    outcomeConditioning: true,
    horizons: NEXT_TOKEN_HORIZONS,
    timeFeatures: true,
    inputOutcomes: true,
    headDim: 2 * dim,
    temperature: 0.05,
    ...given,
  };
}

/** Checks a config (from a CLI or a manifest) and throws a clear error on nonsense. */
export function validateDecoderConfig(config: DecoderConfig): void {
  const positive: (keyof DecoderConfig)[] = [
    'itemCount',
    'dim',
    'blocks',
    'heads',
    'ffnDim',
    'maxLen',
    'outcomeCount',
    'headDim',
  ];
  for (const key of positive) {
    const value = config[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
      throw new Error(`decoder config: ${key} must be a positive integer, got ${String(value)}`);
  }
  if (config.dim % config.heads !== 0)
    throw new Error(`decoder config: dim ${config.dim} is not divisible by heads ${config.heads}`);
  if (!(config.temperature > 0)) throw new Error('decoder config: temperature must be > 0');
  if (!(config.dropout >= 0 && config.dropout < 1)) throw new Error('decoder config: dropout must be in [0, 1)');
  if (!config.useIdEmbedding && !config.usePrefixMem)
    throw new Error('decoder config: needs an ID embedding, PrefixMem, or both');
  if (config.horizons.length === 0) throw new Error('decoder config: at least one horizon');
  for (const h of config.horizons) {
    if (!(Number.isInteger(h.from) && Number.isInteger(h.to) && h.from >= 1 && h.to >= h.from))
      throw new Error(`decoder config: bad horizon ${JSON.stringify(h)}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------------

/**
 * An item representation computed from something other than the ID table (PrefixMem over the item's
 * semantic ID). `src/model/prefixmem.ts` provides one; its variables train with the decoder's.
 */
export interface ItemEncoder {
  /** items: int32 [n] dense indices -> [n, dim]. */
  embedItems(items: tf.Tensor1D): tf.Tensor2D;
  /** Trainable variables by stable name (prefixed `prefixmem.` in artifacts). */
  namedVariables(): Map<string, tf.Variable>;
}

/** The names and shapes of every decoder parameter, in artifact order. */
export function parameterShapes(config: DecoderConfig): [string, number[]][] {
  const d = config.dim;
  const shapes: [string, number[]][] = [];
  if (config.useIdEmbedding) shapes.push(['item.id_embedding', [config.itemCount, d]]);
  shapes.push(['token.position', [config.maxLen, d]]);
  if (config.inputOutcomes) shapes.push(['token.outcome', [config.outcomeCount, d]]);
  if (config.timeFeatures) shapes.push(['token.time.kernel', [TIME_FEATURES, d]]);
  for (let i = 0; i < config.blocks; i++) {
    const p = `blocks.${i}`;
    shapes.push(
      [`${p}.ln1.gamma`, [d]],
      [`${p}.ln1.beta`, [d]],
      [`${p}.attn.qkv.kernel`, [d, 3 * d]],
      [`${p}.attn.qkv.bias`, [3 * d]],
      [`${p}.attn.out.kernel`, [d, d]],
      [`${p}.attn.out.bias`, [d]],
      [`${p}.ln2.gamma`, [d]],
      [`${p}.ln2.beta`, [d]],
      [`${p}.ffn.in.kernel`, [d, config.ffnDim]],
      [`${p}.ffn.in.bias`, [config.ffnDim]],
      [`${p}.ffn.out.kernel`, [config.ffnDim, d]],
      [`${p}.ffn.out.bias`, [d]],
    );
  }
  shapes.push(['final_ln.gamma', [d]], ['final_ln.beta', [d]]);
  const outcomeRows = config.outcomeConditioning ? config.outcomeCount : 1;
  shapes.push(
    ['head.outcome', [outcomeRows, d]],
    ['head.horizon', [config.horizons.length, d]],
    ['head.in.kernel', [3 * d, config.headDim]],
    ['head.in.bias', [config.headDim]],
    ['head.out.kernel', [config.headDim, d]],
    ['head.out.bias', [d]],
  );
  return shapes;
}

/** Normal draws from mulberry32 (src/util/rng.ts): deterministic initial weights on every backend and machine. */
function seededNormal(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + MULBERRY32_INCREMENT) >>> 0;
    return mulberry32Output(state) + 0.5 / 4294967296; // shifted half a step into (0, 1): log(0) cannot happen
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** Initial value of one parameter: LayerNorm gamma 1, biases 0, matrices N(0, std). */
function initialValue(name: string, shape: number[], normal: () => number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  if (name.endsWith('.gamma')) return values.fill(1);
  if (name.endsWith('.beta') || name.endsWith('.bias')) return values;
  // Embeddings 0.02 (GPT-2); kernels scaled by fan-in (1/sqrt(rows)).
  const std = name.endsWith('.kernel') ? 1 / Math.sqrt(shape[0]!) : 0.02;
  for (let i = 0; i < size; i++) values[i] = normal() * std;
  return values;
}

let nextInstance = 0;

/** Fresh parameters as trainable variables, deterministic in `seed`. */
export function initDecoderParams(config: DecoderConfig, seed: number): Map<string, tf.Variable> {
  validateDecoderConfig(config);
  const normal = seededNormal(seed);
  const params = new Map<string, tf.Variable>();
  const instance = nextInstance++; // TF.js variable names are global: keep them unique per model
  for (const [name, shape] of parameterShapes(config)) {
    params.set(name, tf.variable(tf.tensor(initialValue(name, shape, normal), shape), true, `decoder${instance}.${name}`));
  }
  return params;
}

// ---------------------------------------------------------------------------------------------------
// The model: embed -> blocks -> final LayerNorm (forward), then the head (queries)
// ---------------------------------------------------------------------------------------------------

/** Cached keys and values of one block for one history: [S, dim] each. */
export interface LayerCache {
  keys: tf.Tensor2D;
  values: tf.Tensor2D;
}

/** Each sequence's last token, for the final block of `Decoder.forwardLast`. */
interface LastTokens {
  /** int32 [B']: packed row of each non-empty sequence's last token. */
  rows: Int32Array;
  /** Query tokens per sequence: 1, or 0 for an empty one. */
  lengths: Int32Array;
  /** Keys each last token sees before itself, per sequence, after S cached ones. */
  cachedBefore(S: number): Int32Array;
}

function lastTokens(lengths: Int32Array): LastTokens {
  const rows: number[] = [];
  let end = 0;
  for (const T of lengths) {
    end += T;
    if (T > 0) rows.push(end - 1);
  }
  return {
    rows: Int32Array.from(rows),
    lengths: Int32Array.from(lengths, (T) => (T > 0 ? 1 : 0)),
    cachedBefore: (S) => Int32Array.from(lengths, (T) => S + Math.max(T - 1, 0)),
  };
}

/**
 * The decoder's computation over a parameter map. Holds no tensors of its own: the trainer passes
 * trainable variables, the runtime passes tensors rebuilt from artifacts.
 */
export class Decoder {
  constructor(
    readonly config: DecoderConfig,
    readonly params: Map<string, tf.Tensor>,
    readonly itemEncoder?: ItemEncoder,
  ) {
    validateDecoderConfig(config);
    if (config.usePrefixMem && !itemEncoder) throw new Error('decoder: usePrefixMem needs an ItemEncoder (PrefixMem)');
    for (const [name, shape] of parameterShapes(config)) {
      const p = params.get(name);
      if (!p) throw new Error(`decoder: missing parameter ${name}`);
      if (p.shape.join(',') !== shape.join(','))
        throw new Error(`decoder: parameter ${name} has shape [${p.shape}], expected [${shape}]`);
    }
  }

  private p(name: string): tf.Tensor {
    return this.params.get(name)!;
  }

  private dropout(x: tf.Tensor2D, training: boolean): tf.Tensor2D {
    return training && this.config.dropout > 0 ? (tf.dropout(x, this.config.dropout) as tf.Tensor2D) : x;
  }

  // --- embed ---------------------------------------------------------------------------------------

  /** Raw item representation: ID embedding + PrefixMem(SID). items int32 [n] -> [n, d]. */
  itemRepresentation(items: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => {
      let rep: tf.Tensor2D | null = null;
      if (this.config.useIdEmbedding) rep = tf.gather(this.p('item.id_embedding'), items) as tf.Tensor2D; // [n, d]
      if (this.config.usePrefixMem) {
        const sid = this.itemEncoder!.embedItems(items); // [n, d]
        rep = rep ? tf.add<tf.Tensor2D>(rep, sid) : sid;
      }
      return rep!;
    });
  }

  /** Unit-norm retrieval embeddings of the given items: [n, d]. */
  retrievalEmbeddings(items: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => l2Normalize(this.itemRepresentation(items)));
  }

  /** The whole retrieval table [itemCount, d], unit rows (exported as item-embeddings.bin). */
  retrievalTable(): tf.Tensor2D {
    return tf.tidy(() => this.retrievalEmbeddings(tf.range(0, this.config.itemCount, 1, 'int32') as tf.Tensor1D));
  }

  /** Token embeddings of n slots: item * sqrt(d) + position + outcome + time. -> [n, d]. */
  embedTokens(
    items: tf.Tensor1D,
    outcomes: tf.Tensor1D,
    positions: tf.Tensor1D,
    time: tf.Tensor2D,
    training: boolean,
  ): tf.Tensor2D {
    return tf.tidy(() => {
      const c = this.config;
      let x = tf.mul(this.itemRepresentation(items), Math.sqrt(c.dim)) as tf.Tensor2D; // [n, d]
      x = tf.add(x, tf.gather(this.p('token.position'), positions)) as tf.Tensor2D; // [n, d]
      if (c.inputOutcomes) x = tf.add(x, tf.gather(this.p('token.outcome'), outcomes)) as tf.Tensor2D; // [n, d]
      if (c.timeFeatures) x = tf.add(x, mm(time, this.p('token.time.kernel') as tf.Tensor2D)) as tf.Tensor2D; // [n, 6] x [6, d]
      return this.dropout(x, training); // [n, d]
    });
  }

  // --- block ---------------------------------------------------------------------------------------

  /**
   * Block i (pre-norm attention + feed-forward) over the packed new tokens of B sequences (x [R, d],
   * `lengths` tokens each: src/model/attention.ts); cache: the block's keys / values of S earlier
   * tokens (B = 1 only) or null (S = 0). Returns the new x [R, d] and the keys / values of all S+R
   * tokens. With `last` (the final block of `forwardLast`) only each sequence's last token goes on:
   * x comes back as [B', d], one row per non-empty sequence.
   */
  private block(
    i: number,
    x: tf.Tensor2D,
    lengths: Int32Array,
    cache: LayerCache | null,
    training: boolean,
    last?: LastTokens,
  ): { x: tf.Tensor2D; cache: LayerCache } {
    const p = (n: string) => this.p(`blocks.${i}.${n}`);
    const d = this.config.dim;
    const h = layerNorm(x, p('ln1.gamma'), p('ln1.beta')); // [R, d]
    const qkv = dense(h, p('attn.qkv.kernel'), p('attn.qkv.bias')); // [R, 3d]
    const [q, kNew, vNew] = tf.split(qkv, [d, d, d], 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]; // 3 x [R, d]
    const k = cache ? tf.concat<tf.Tensor2D>([cache.keys, kNew], 0) : kNew; // [S+R, d] (S > 0: one sequence)
    const v = cache ? tf.concat<tf.Tensor2D>([cache.values, vNew], 0) : vNew; // [S+R, d]
    const S = cache ? cache.keys.shape[0] : 0;
    const rows = last ? tf.tensor1d(last.rows, 'int32') : null; // each sequence's last token
    const xq = rows ? (tf.gather(x, rows) as tf.Tensor2D) : x; // [R or B', d]
    const qq = rows ? (tf.gather(q, rows) as tf.Tensor2D) : q;
    const heads = last
      ? causalAttention(qq, k, v, last.lengths, last.cachedBefore(S), this.config.heads)
      : causalAttention(q, k, v, lengths, S, this.config.heads); // [R or B', d]
    const a = this.dropout(dense(heads, p('attn.out.kernel'), p('attn.out.bias')), training); // [R, d]
    const x1 = tf.add(xq, a) as tf.Tensor2D; // [R, d]
    const h2 = layerNorm(x1, p('ln2.gamma'), p('ln2.beta')); // [R, d]
    const ffn = dense(tf.relu(dense(h2, p('ffn.in.kernel'), p('ffn.in.bias'))), p('ffn.out.kernel'), p('ffn.out.bias')); // [R, d]
    const f = this.dropout(ffn, training); // [R, d]
    return { x: tf.add(x1, f) as tf.Tensor2D, cache: { keys: k, values: v } }; // [R, d]
  }

  // --- forward -------------------------------------------------------------------------------------

  /**
   * embed -> blocks -> final LayerNorm over T new tokens per sequence, after S cached ones per block
   * (`caches`, one history only) or none. Returns the final hidden states [B*T, d] and every block's
   * keys / values over S+T tokens. Call inside a tidy.
   */
  private run(
    tokens: TokenBatch,
    caches: LayerCache[] | null,
    training: boolean,
    lastOnly = false,
  ): { hidden: tf.Tensor2D; caches: LayerCache[] } {
    const { batch: B, length: T } = tokens;
    if (caches && B !== 1) throw new Error('decoder: a KV cache holds one history (batch 1)');
    // The blocks compute only the real tokens, packed: [R, d] (src/model/attention.ts).
    const packed = packRows(tokens);
    const R = packed.slots.length;
    if (R === 0) {
      // Nothing to compute (only padding): zero hidden states, caches unchanged.
      const empty = () => tf.zeros([0, this.config.dim]) as tf.Tensor2D;
      const kept = Array.from({ length: this.config.blocks }, (_, i) =>
        caches ? caches[i]! : { keys: empty(), values: empty() },
      );
      return { hidden: tf.zeros([lastOnly ? B : B * T, this.config.dim]), caches: kept };
    }
    let x = this.embedTokens(
      tf.tensor1d(pickRows(tokens.items, packed.slots, 1), 'int32'),
      tf.tensor1d(pickRows(tokens.outcomes, packed.slots, 1), 'int32'),
      tf.tensor1d(pickRows(tokens.positions, packed.slots, 1), 'int32'),
      tf.tensor2d(pickRows(tokens.time, packed.slots, TIME_FEATURES), [R, TIME_FEATURES]),
      training,
    ); // [R, d]
    const newCaches: LayerCache[] = [];
    for (let i = 0; i < this.config.blocks; i++) {
      const last = lastOnly && i === this.config.blocks - 1 ? lastTokens(packed.lengths) : undefined;
      const out = this.block(i, x, packed.lengths, caches ? caches[i]! : null, training, last);
      x = out.x; // [R, d]
      newCaches.push(out.cache);
    }
    const hidden = layerNorm(x, this.p('final_ln.gamma'), this.p('final_ln.beta')); // [R, d] or [B', d]
    if (lastOnly) {
      const nonEmpty = Int32Array.from(Array.from(packed.lengths.keys()).filter((b) => packed.lengths[b]! > 0));
      return { hidden: unpackRows(hidden, { slots: nonEmpty, lengths: packed.lengths }, B), caches: newCaches }; // [B, d]
    }
    return { hidden: unpackRows(hidden, packed, B * T), caches: newCaches }; // [B*T, d], padded slots 0
  }

  /**
   * Full forward over a batch (training, evaluation): final hidden state of every slot, [B*L, d].
   * Slot t sees only slots <= t of its own sequence and never padding.
   */
  forward(tokens: TokenBatch, training = false): tf.Tensor2D {
    return tf.tidy(() => this.run(tokens, null, training).hidden);
  }

  /**
   * The final hidden state of each row's last slot only, [B, d] (zeros for an empty row): what
   * scoring a history needs (evaluation, validation). The same values as those rows of `forward`;
   * the final block computes only those tokens (about half the work and most of the attention).
   */
  forwardLast(tokens: TokenBatch): tf.Tensor2D {
    return tf.tidy(() => this.run(tokens, null, false, true).hidden);
  }

  /**
   * Full forward that also returns every block's keys / values over all B*L slots ([B*L, d] each):
   * what the ranking head (src/model/ranking-head.ts) attends to in training. Call inside a tidy.
   */
  forwardStates(tokens: TokenBatch, training = false): { hidden: tf.Tensor2D; caches: LayerCache[] } {
    const { hidden, caches } = this.run(tokens, null, training);
    // The blocks' keys / values are packed (real tokens only): back to the slot layout, zeros in padding.
    const packed = packRows(tokens);
    const total = tokens.batch * tokens.length;
    const unpack = (x: tf.Tensor2D) => (x.shape[0] === total ? x : unpackRows(x, packed, total));
    return { hidden, caches: caches.map((c) => ({ keys: unpack(c.keys), values: unpack(c.values) })) };
  }

  /**
   * Incremental forward for ONE history (inference): T new tokens after the S tokens in `caches`.
   * Returns the new tokens' final hidden states [T, d] and the caches extended to S+T (the old cache
   * tensors are not disposed). The same computation as `forward` over all S+T tokens.
   */
  forwardIncremental(tokens: TokenBatch, caches: LayerCache[] | null): { hidden: tf.Tensor2D; caches: LayerCache[] } {
    let newCaches: LayerCache[] = [];
    const hidden = tf.tidy(() => {
      const out = this.run(tokens, caches, false);
      newCaches = out.caches.map((c) => ({ keys: tf.keep(c.keys), values: tf.keep(c.values) }));
      return out.hidden;
    });
    return { hidden, caches: newCaches };
  }

  // --- head ----------------------------------------------------------------------------------------

  /**
   * The outcome-conditioned multi-token head: query = normalize(h + MLP([h ; outcome ; horizon])).
   * hidden [n, d], outcomes / horizons int32 [n] -> unit queries [n, d]. With outcome conditioning off,
   * every outcome maps to the single shared row.
   */
  queries(hidden: tf.Tensor2D, outcomes: tf.Tensor1D, horizons: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => {
      const outcomeRows = this.config.outcomeConditioning ? outcomes : tf.zerosLike(outcomes);
      const o = tf.gather(this.p('head.outcome'), outcomeRows) as tf.Tensor2D; // [n, d]
      const z = tf.gather(this.p('head.horizon'), horizons) as tf.Tensor2D; // [n, d]
      const input = tf.concat([hidden, o, z], 1) as tf.Tensor2D; // [n, 3d]
      const mlp = dense(
        tf.relu(dense(input, this.p('head.in.kernel'), this.p('head.in.bias'))),
        this.p('head.out.kernel'),
        this.p('head.out.bias'),
      ); // [n, d]
      return l2Normalize(tf.add(hidden, mlp) as tf.Tensor2D); // [n, d]
    });
  }
}
