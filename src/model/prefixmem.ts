/**
 * PrefixMem (Pinterest, arXiv 2606.00324): prefix-aware embeddings of semantic-ID tokens.
 *
 * A SID code means different things under different prefixes (code 7 at level 3 under (2, 5) is a
 * different cluster than under (9, 1)), so a plain per-level code embedding is not enough. At each
 * SID position l PrefixMem adds, to the code's own embedding, a projection of rows looked up from
 * memory tables indexed by hashes of the prefix n-grams ending at l (several orders, several hash
 * heads; the row indices come from src/sid/prefix-hash.ts):
 *
 *   e_l  = codeEmbedding[l, c_l] + memoryProj( concat_{order, head} memory[row(order, head, l)] )
 *   item = levelCombine( concat_l e_l )
 *
 * Only core ops (gather, add, reshape, 2-D matMul), so the same module trains in Node on wasm and
 * runs in the browser on webgpu / wasm / cpu. With `useMemory: false` it is the plain-embedding
 * ablation: no memory tables exist and hash indices are ignored.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PrefixHashConfig } from '../sid/prefix-hash.ts';
import type { SidTable } from '../sid/sid-table.ts';

/** PrefixMem hyper-parameters. */
export interface PrefixMemConfig {
  /** SID positions embedded (quantization levels + 1 disambiguation code), e.g. 4. */
  levels: number;
  /** Rows per position's code table: max(K, disambiguation size), e.g. 256. */
  codebookSize: number;
  /** Output width of every position embedding and of the item representation, e.g. 64. */
  dim: number;
  /** n-gram orders hashed per position, e.g. [1, 2, 3]. */
  ngramOrders: number[];
  /** Independent hash functions per order, e.g. 2. */
  hashHeads: number;
  /** Memory rows per (order, head) slot, e.g. 4096. */
  tableSize: number;
  /** Width of a memory row before projection, e.g. 32. */
  memDim: number;
  /** Seed of the hash functions (must match the one used to compute hash indices), e.g. 0. */
  hashSeed: number;
  /**
   * The prefix n-gram memory tables (PrefixMem proper); false = plain per-level code embeddings
   * (the ablation): no memory tables. Not the decoder's `usePrefixMem`, which says whether the item
   * representation includes PrefixMem at all.
   */
  useMemory: boolean;
}

/** Defaults for a 3-level x 256-code SID with a disambiguation position. */
export const DEFAULT_PREFIXMEM_CONFIG: PrefixMemConfig = {
  levels: 4,
  codebookSize: 256,
  dim: 64,
  ngramOrders: [1, 2, 3],
  hashHeads: 2,
  tableSize: 4096,
  memDim: 32,
  hashSeed: 0,
  useMemory: true,
};

/**
 * PrefixMem's config for a SID table: every SID position (quantization levels + disambiguation), code
 * tables of max(K, disambiguation size) rows, `DEFAULT_PREFIXMEM_CONFIG` for the rest, then `overrides`.
 */
export function prefixMemConfigFor(
  table: Pick<SidTable, 'sidLength' | 'codebookSize' | 'disambiguationSize'>,
  overrides: Partial<PrefixMemConfig> = {},
): PrefixMemConfig {
  return {
    ...DEFAULT_PREFIXMEM_CONFIG,
    levels: table.sidLength,
    codebookSize: Math.max(table.codebookSize, table.disambiguationSize),
    ngramOrders: [...DEFAULT_PREFIXMEM_CONFIG.ngramOrders],
    ...overrides,
  };
}

/** A PrefixMem config as a manifest stores it: models exported before `useMemory` was named wrote `usePrefixMem`. */
export type StoredPrefixMemConfig = Omit<PrefixMemConfig, 'useMemory'> & { useMemory?: boolean; usePrefixMem?: boolean };

/** Reads a manifest's `model.prefixMem`, accepting the older `usePrefixMem` name of `useMemory`. */
export function prefixMemConfigFromManifest(stored: StoredPrefixMemConfig): PrefixMemConfig {
  const { usePrefixMem, useMemory, ...rest } = stored;
  const memory = useMemory ?? usePrefixMem;
  if (typeof memory !== 'boolean') throw new Error('model.prefixMem: useMemory must be true or false');
  return { ...rest, useMemory: memory };
}

/** The prefix-hash config that produces the indices this PrefixMem expects. */
export function prefixHashConfigOf(config: PrefixMemConfig): PrefixHashConfig {
  return { orders: config.ngramOrders, heads: config.hashHeads, tableSize: config.tableSize, seed: config.hashSeed };
}

/** Prefix-aware SID embeddings; see the file comment. */
export class PrefixMem {
  readonly config: PrefixMemConfig;
  /** Trainable variables by stable name, for optimisers and weight export. */
  readonly variables: Map<string, tf.Variable>;
  /** Lookups per position: ngramOrders.length * hashHeads. */
  readonly slots: number;

  private readonly codeEmbedding: tf.Variable; // [levels * codebookSize, dim]
  private readonly memory?: tf.Variable; // [slots * tableSize, memDim]
  private readonly memoryProj?: tf.Variable; // [slots * memDim, dim]
  private readonly levelCombine: tf.Variable; // [levels * dim, dim]

  constructor(config: PrefixMemConfig, seed: number) {
    this.config = { ...config, ngramOrders: [...config.ngramOrders] };
    const { levels, codebookSize, dim, memDim } = config;
    this.slots = config.ngramOrders.length * config.hashHeads;
    this.variables = new Map();
    const add = (name: string, shape: number[], std: number, offset: number): tf.Variable => {
      const variable = tf.tidy(() =>
        tf.variable(
          tf.randomNormal(shape, 0, std, 'float32', seed * 7919 + offset),
          true,
          `prefixmem.${name}.${seed}.${uniqueSuffix++}`,
        ),
      );
      this.variables.set(`prefixmem.${name}`, variable);
      return variable;
    };
    this.codeEmbedding = add('code_embedding', [levels * codebookSize, dim], 0.1, 1);
    if (config.useMemory) {
      this.memory = add('memory', [this.slots * config.tableSize, memDim], 0.1, 2);
      this.memoryProj = add('memory_proj', [this.slots * memDim, dim], 1 / Math.sqrt(this.slots * memDim), 3);
    }
    this.levelCombine = add('level_combine', [levels * dim, dim], 1 / Math.sqrt(levels * dim), 4);
  }

  /**
   * codes int32 [n, P], hashIndices int32 [n, P, orders*heads] -> [n, P, dim] prefix-aware
   * per-position embeddings, for the first P <= levels SID positions (P < levels embeds a prefix).
   */
  embedLevels(codes: tf.Tensor2D, hashIndices: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const [n, positions] = codes.shape;
      if (positions > this.config.levels)
        throw new Error(`PrefixMem embeds at most ${this.config.levels} positions, got ${positions}`);
      const { codebookSize, dim, memDim } = this.config;
      const levelOffsets = tf.tensor2d(
        Array.from({ length: positions }, (_, l) => l * codebookSize),
        [1, positions],
        'int32',
      );
      // Clamp: a cold item added after training can carry a disambiguation code past the trained
      // range; it then shares the last trained row instead of reading another level's rows.
      const clamped = tf.minimum(codes, tf.scalar(codebookSize - 1, 'int32'));
      const rows = tf.reshape(tf.add(clamped, levelOffsets), [n * positions]); // [n*P]
      let embedded = tf.gather(this.codeEmbedding, rows); // [n*P, dim]
      if (this.memory && this.memoryProj) {
        const memRows = tf.reshape(hashIndices, [n * positions * this.slots]); // [n*P*S]
        const looked = tf.gather(this.memory, memRows); // [n*P*S, memDim]
        const concat = tf.reshape(looked, [n * positions, this.slots * memDim]); // [n*P, S*memDim]
        embedded = tf.add(embedded, tf.matMul(concat, this.memoryProj)); // [n*P, dim]
      }
      return tf.reshape(embedded, [n, positions, dim]);
    });
  }

  /** -> [n, dim] item representation (learned linear combination of all `levels` positions). */
  embedItems(codes: tf.Tensor2D, hashIndices: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => {
      const [n, positions] = codes.shape;
      if (positions !== this.config.levels)
        throw new Error(`embedItems needs all ${this.config.levels} SID positions, got ${positions}`);
      const levels = this.embedLevels(codes, hashIndices); // [n, L, dim]
      const flat = tf.reshape(levels, [n, positions * this.config.dim]); // [n, L*dim]
      return tf.matMul(flat, this.levelCombine); // [n, dim]
    });
  }

  /** Frees the variables. */
  dispose(): void {
    for (const variable of this.variables.values()) variable.dispose();
    this.variables.clear();
  }
}

// TF.js variable names must be unique per engine; the suffix keeps several instances apart.
let uniqueSuffix = 0;
