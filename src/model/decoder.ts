/**
 * The PinRec-style decoder: a causal transformer over a user's (item, outcome, time) events whose
 * output head turns a hidden state into retrieval queries, conditioned on the outcome we want and on
 * how far ahead we look (multi-token horizons). Retrieval is top-k by cosine over the item table.
 *
 * One module for Node training (wasm) and browser inference (webgpu / wasm / cpu). It uses only core
 * TF.js ops that exist on all three, 2-D matmuls with explicit transposes (their gradients too, see
 * `mm`), attention written per sequence, and no einsum or 3-D x 2-D matMul (both mis-train in TF.js:
 * ../shared/notes/tfjs-training.md). Reads top to bottom like nanoGPT's model.py:
 * config -> parameters -> token embedding -> blocks -> head.
 *
 * Item indices are the dataset's dense indices 0..itemCount-1. Training batches are left-padded;
 * padded slots are masked out of attention, so a padded batch and an unpadded single history give the
 * same hidden states (what makes the runtime's KV cache equal training's forward).
 */
import * as tf from '@tensorflow/tfjs';

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

/** Everything that defines the decoder's shape. Stored verbatim in the manifest's `model` field. */
export interface DecoderConfig {
  /** Number of items in the catalog (rows of the retrieval table). */
  itemCount: number;
  /** Model and embedding width d (HSTU's ML-1M config: 50). */
  dim: number;
  /** Transformer blocks (HSTU ML-1M: 2). */
  blocks: number;
  /** Attention heads; dim must divide by it (HSTU ML-1M: 1). */
  heads: number;
  /** Hidden width of each block's feed-forward layer (default 4 * dim). */
  ffnDim: number;
  /** Longest history the model sees; older events are dropped (HSTU ML-1M: 200). */
  maxLen: number;
  /** Dropout rate in training (0 = off; random masks are expensive on wasm). */
  dropout: number;
  /** Use a learned per-item ID embedding (on by default). */
  useIdEmbedding: boolean;
  /** Add PrefixMem's SID-based item representation (needs an `ItemEncoder`). */
  usePrefixMem: boolean;
  /** Outcome vocabulary size (e.g. 3 for dislike / watch / love). */
  outcomeCount: number;
  /** Condition the output head on the outcome (PinRec OC); off = one shared "any" outcome. */
  outcomeConditioning: boolean;
  /** Horizons the head emits; `NEXT_TOKEN_HORIZONS` for plain next-item prediction. */
  horizons: Horizon[];
  /** Add time features (hour-of-day, day-of-week, log gap) to tokens when timestamps exist. */
  timeFeatures: boolean;
  /** Add an input embedding of each event's own outcome to its token. */
  inputOutcomes: boolean;
  /** Hidden width of the output head's MLP (default 2 * dim). */
  headDim: number;
  /** Softmax temperature on cosine similarities (HSTU ML-1M: 0.05). */
  temperature: number;
}

/** Defaults: HSTU's ML-1M SASRec configuration with PinRec's extras switched on. */
export function defaultDecoderConfig(
  overrides: Partial<DecoderConfig> & { itemCount: number; outcomeCount: number },
): DecoderConfig {
  const dim = overrides.dim ?? 50;
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
    ...overrides,
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

/** Number of per-event time features (see `timeFeatures`). */
export const TIME_FEATURES = 6;

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

/** mulberry32: deterministic initial weights on every backend and machine. */
function seededNormal(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
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
// Small ops
// ---------------------------------------------------------------------------------------------------

/**
 * 2-D matmul [m,k] x [k,n] whose gradient also uses plain 2-D matmuls with explicit transposes
 * (TF.js' own gradient uses transposed-matmul paths, ~2x slower on wasm).
 */
export const mm = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), // [m, n]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      const g = dy as tf.Tensor2D; // [m, n]
      const da = tf.matMul(g, tf.transpose(sb)); // [m, n] x [n, k]
      // dB = A^T dy: transpose the narrower of A [m,k] and dy [m,n] (tall activations are costly to transpose).
      const db = sa.shape[1] <= g.shape[1] ? tf.matMul(tf.transpose(sa), g) : tf.transpose(tf.matMul(tf.transpose(g), sa)); // [k, n]
      return [da, db];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

/** Column sums of x [n, d] as a [d] vector, via ones[1, n] @ x (a sum over axis 0 is ~100x slower on wasm). */
function columnSums(x: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]), x), [x.shape[1]]); // [1, n] x [n, d] -> [d]
}

/** x [n, d] + row [d], with the row's gradient computed by `columnSums`. */
export const addRow = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, row] = args as [tf.Tensor2D, tf.Tensor1D];
  return { value: tf.add(x, row), gradFunc: (dy: tf.Tensor) => [dy, columnSums(dy as tf.Tensor2D)] };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D, row: tf.Tensor) => tf.Tensor2D;

/** x [n, d] * row [d], with the row's gradient computed by `columnSums`. */
export const mulRow = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, row, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  save([x, row]);
  return {
    value: tf.mul(x, row),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, saved[1]!), columnSums(tf.mul(dy, saved[0]!) as tf.Tensor2D)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D, row: tf.Tensor) => tf.Tensor2D;

/** x [n, d] @ kernel [d, m] + bias [m]. */
function dense(x: tf.Tensor2D, kernel: tf.Tensor, bias: tf.Tensor): tf.Tensor2D {
  return addRow(mm(x, kernel as tf.Tensor2D), bias); // [n, m]
}

/** LayerNorm over the last axis of x [n, d]. */
function layerNorm(x: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor2D {
  const mean = tf.mean(x, 1, true); // [n, 1]
  const centered = tf.sub(x, mean); // [n, d]
  const variance = tf.mean(tf.square(centered), 1, true); // [n, 1]
  return addRow(mulRow(tf.mul(centered, tf.rsqrt(tf.add(variance, 1e-6))) as tf.Tensor2D, gamma), beta); // [n, d]
}

/** Row-wise L2 normalisation: x [n, d] -> unit rows (cosine retrieval). */
export function l2Normalize(x: tf.Tensor2D): tf.Tensor2D {
  return tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12))); // [n, d]
}

/** Added to attention scores where a key must not be seen (finite: no NaN on fully masked rows). */
const MASKED = -1e9;

// ---------------------------------------------------------------------------------------------------
// Time features (computed on the host, shared by trainer and runtime)
// ---------------------------------------------------------------------------------------------------

/**
 * Per-event time features [hour sin, hour cos, weekday sin, weekday cos, log gap, has-time], written
 * into `out` at `offset`. `time` and `previousTime` are unix seconds (NaN when unknown). Absolute
 * periodic features use UTC; the gap is log1p(hours since the previous event) / 5.
 */
export function writeTimeFeatures(time: number, previousTime: number, out: Float32Array, offset: number): void {
  if (!Number.isFinite(time)) {
    out.fill(0, offset, offset + TIME_FEATURES);
    return;
  }
  const hour = (((time / 3600) % 24) + 24) % 24; // hour of day, UTC
  const weekday = (((time / 86400 + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday (4)
  const gapHours = Number.isFinite(previousTime) ? Math.max(0, time - previousTime) / 3600 : 0;
  out[offset] = Math.sin((2 * Math.PI * hour) / 24);
  out[offset + 1] = Math.cos((2 * Math.PI * hour) / 24);
  out[offset + 2] = Math.sin((2 * Math.PI * weekday) / 7);
  out[offset + 3] = Math.cos((2 * Math.PI * weekday) / 7);
  out[offset + 4] = Math.log1p(gapHours) / 5;
  out[offset + 5] = 1;
}

// ---------------------------------------------------------------------------------------------------
// The model
// ---------------------------------------------------------------------------------------------------

/** Input tokens of a batch of sequences, flattened row-major to B*L slots. */
export interface TokenBatch {
  /** Sequences in the batch. */
  batch: number;
  /** Slots per sequence (<= maxLen). */
  length: number;
  /** int32 [B*L] item index per slot (any valid index in padded slots). */
  items: Int32Array;
  /** int32 [B*L] outcome index per slot. */
  outcomes: Int32Array;
  /** int32 [B*L] position (0 = the oldest kept event) per slot. */
  positions: Int32Array;
  /** float32 [B*L] 1 for real events, 0 for padding. */
  valid: Float32Array;
  /** float32 [B*L, TIME_FEATURES] (zeros when time features are off). */
  time: Float32Array;
}

/** Cached keys and values of one block for one history: [S, dim] each. */
export interface LayerCache {
  keys: tf.Tensor2D;
  values: tf.Tensor2D;
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

  /** Raw item representation: ID embedding + PrefixMem(SID). items int32 [n] -> [n, d]. */
  itemRepresentation(items: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() => {
      let rep: tf.Tensor2D | null = null;
      if (this.config.useIdEmbedding) rep = tf.gather(this.p('item.id_embedding'), items) as tf.Tensor2D; // [n, d]
      if (this.config.usePrefixMem) {
        const sid = this.itemEncoder!.embedItems(items); // [n, d]
        rep = rep ? tf.add(rep, sid) : sid;
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
      if (training && c.dropout > 0) x = tf.dropout(x, c.dropout) as tf.Tensor2D;
      return x;
    });
  }

  /**
   * Causal self-attention of T new queries over S+T keys of ONE sequence. q [T, d], k/v [S+T, d],
   * maskAdd [T, S+T] (0 = visible, MASKED = hidden). Returns [T, d] (heads concatenated).
   */
  private attend(q: tf.Tensor2D, k: tf.Tensor2D, v: tf.Tensor2D, maskAdd: tf.Tensor2D): tf.Tensor2D {
    const heads = this.config.heads;
    const dh = this.config.dim / heads;
    const qs = heads === 1 ? [q] : tf.split(q, heads, 1); // heads x [T, dh]
    const ks = heads === 1 ? [k] : tf.split(k, heads, 1); // heads x [S+T, dh]
    const vs = heads === 1 ? [v] : tf.split(v, heads, 1); // heads x [S+T, dh]
    const outs = qs.map((qh, h) => {
      const scores = tf.add(tf.mul(mm(qh as tf.Tensor2D, tf.transpose(ks[h]!) as tf.Tensor2D), 1 / Math.sqrt(dh)), maskAdd); // [T, S+T]
      const weights = tf.softmax(scores) as tf.Tensor2D; // [T, S+T]
      return mm(weights, vs[h] as tf.Tensor2D); // [T, dh]
    });
    return heads === 1 ? outs[0]! : (tf.concat(outs, 1) as tf.Tensor2D); // [T, d]
  }

  /**
   * One pre-norm block over a batch. x [B*L, d]; masks: B x [L, L] additive masks.
   * Returns [B*L, d]. Attention runs per sequence on 2-D tensors (fast on wasm).
   */
  private block(i: number, x: tf.Tensor2D, batch: number, masks: tf.Tensor2D[], training: boolean): tf.Tensor2D {
    const p = (n: string) => this.p(`blocks.${i}.${n}`);
    const d = this.config.dim;
    const h = layerNorm(x, p('ln1.gamma'), p('ln1.beta')); // [B*L, d]
    const qkv = dense(h, p('attn.qkv.kernel'), p('attn.qkv.bias')); // [B*L, 3d]
    const [q, k, v] = tf.split(qkv, [d, d, d], 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]; // 3 x [B*L, d]
    const qb = batch === 1 ? [q] : (tf.split(q, batch, 0) as tf.Tensor2D[]); // B x [L, d]
    const kb = batch === 1 ? [k] : (tf.split(k, batch, 0) as tf.Tensor2D[]);
    const vb = batch === 1 ? [v] : (tf.split(v, batch, 0) as tf.Tensor2D[]);
    const attended = qb.map((qs, b) => this.attend(qs, kb[b]!, vb[b]!, masks[b]!)); // B x [L, d]
    let a = dense(batch === 1 ? attended[0]! : (tf.concat(attended, 0) as tf.Tensor2D), p('attn.out.kernel'), p('attn.out.bias')); // [B*L, d]
    if (training && this.config.dropout > 0) a = tf.dropout(a, this.config.dropout) as tf.Tensor2D;
    const x1 = tf.add(x, a) as tf.Tensor2D; // [B*L, d]
    const h2 = layerNorm(x1, p('ln2.gamma'), p('ln2.beta')); // [B*L, d]
    let f = dense(tf.relu(dense(h2, p('ffn.in.kernel'), p('ffn.in.bias'))), p('ffn.out.kernel'), p('ffn.out.bias')); // [B*L, d]
    if (training && this.config.dropout > 0) f = tf.dropout(f, this.config.dropout) as tf.Tensor2D;
    return tf.add(x1, f) as tf.Tensor2D; // [B*L, d]
  }

  /** Additive causal + padding mask for one left-padded sequence: [L, L] values. */
  static maskValues(length: number, validFrom: number): Float32Array {
    const m = new Float32Array(length * length);
    for (let i = 0; i < length; i++) for (let j = 0; j < length; j++) if (j > i || j < validFrom) m[i * length + j] = MASKED;
    return m;
  }

  /**
   * Full forward over a batch: final hidden state of every slot, [B*L, d] (after the final LayerNorm).
   * Slot t sees only slots <= t of its own sequence and never padding.
   */
  forward(batch: TokenBatch, training = false): tf.Tensor2D {
    return tf.tidy(() => {
      const { batch: B, length: L } = batch;
      let x = this.embedTokens(
        tf.tensor1d(batch.items, 'int32'),
        tf.tensor1d(batch.outcomes, 'int32'),
        tf.tensor1d(batch.positions, 'int32'),
        tf.tensor2d(batch.time, [B * L, TIME_FEATURES]),
        training,
      ); // [B*L, d]
      const maskHost = new Float32Array(B * L * L);
      for (let b = 0; b < B; b++) {
        let validFrom = 0;
        while (validFrom < L && batch.valid[b * L + validFrom] === 0) validFrom++;
        maskHost.set(Decoder.maskValues(L, validFrom), b * L * L);
      }
      const maskAll = tf.tensor2d(maskHost, [B * L, L]); // B stacked [L, L] masks
      const masks = B === 1 ? [maskAll] : (tf.split(maskAll, B, 0) as tf.Tensor2D[]);
      for (let i = 0; i < this.config.blocks; i++) x = this.block(i, x, B, masks, training);
      return layerNorm(x, this.p('final_ln.gamma'), this.p('final_ln.beta')); // [B*L, d]
    });
  }

  /**
   * Incremental forward for ONE history: T new tokens after S cached ones. Returns the new tokens'
   * final hidden states [T, d] and the caches extended to S+T (the old cache tensors are not disposed).
   */
  forwardIncremental(
    items: Int32Array,
    outcomes: Int32Array,
    positions: Int32Array,
    time: Float32Array,
    caches: LayerCache[] | null,
  ): { hidden: tf.Tensor2D; caches: LayerCache[] } {
    const T = items.length;
    const S = caches ? caches[0]!.keys.shape[0] : 0;
    const newCaches: LayerCache[] = [];
    const hidden = tf.tidy(() => {
      let x: tf.Tensor2D = this.embedTokens(
        tf.tensor1d(items, 'int32'),
        tf.tensor1d(outcomes, 'int32'),
        tf.tensor1d(positions, 'int32'),
        tf.tensor2d(time, [T, TIME_FEATURES]),
        false,
      ); // [T, d]
      const maskHost = new Float32Array(T * (S + T));
      for (let i = 0; i < T; i++) for (let j = S + i + 1; j < S + T; j++) maskHost[i * (S + T) + j] = MASKED;
      const mask = tf.tensor2d(maskHost, [T, S + T]); // [T, S+T]
      const d = this.config.dim;
      for (let i = 0; i < this.config.blocks; i++) {
        const p = (n: string) => this.p(`blocks.${i}.${n}`);
        const h = layerNorm(x, p('ln1.gamma'), p('ln1.beta')); // [T, d]
        const [q, kNew, vNew] = tf.split(dense(h, p('attn.qkv.kernel'), p('attn.qkv.bias')), [d, d, d], 1) as tf.Tensor2D[]; // 3 x [T, d]
        const k = (caches ? tf.concat([caches[i]!.keys, kNew!], 0) : kNew!) as tf.Tensor2D; // [S+T, d]
        const v = (caches ? tf.concat([caches[i]!.values, vNew!], 0) : vNew!) as tf.Tensor2D; // [S+T, d]
        newCaches.push({ keys: tf.keep(k), values: tf.keep(v) });
        const a = dense(this.attend(q!, k, v, mask), p('attn.out.kernel'), p('attn.out.bias')); // [T, d]
        const x1: tf.Tensor2D = tf.add(x, a);
        const h2 = layerNorm(x1, p('ln2.gamma'), p('ln2.beta'));
        x = tf.add(
          x1,
          dense(tf.relu(dense(h2, p('ffn.in.kernel'), p('ffn.in.bias'))), p('ffn.out.kernel'), p('ffn.out.bias')),
        ) as tf.Tensor2D;
      }
      return layerNorm(x, this.p('final_ln.gamma'), this.p('final_ln.beta')); // [T, d]
    });
    return { hidden, caches: newCaches };
  }

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
