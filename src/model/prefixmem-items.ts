/**
 * PrefixMem as the decoder's item representation: every item's semantic ID (from its SID table) is
 * embedded by PrefixMem (src/model/prefixmem.ts) and, with the decoder's `usePrefixMem`, added to (or, without the
 * ID embedding, replaces) the learned ID embedding. Cold items with only content still get a
 * meaningful representation through their SID.
 *
 * Holds the per-item codes [items, sidLength] and prefix-hash rows [items, sidLength, slots] as int32
 * tensors, so a lookup is two gathers plus PrefixMem's own computation. Browser-safe.
 */
import * as tf from '@tensorflow/tfjs-core';
import { prefixHashIndices } from '../sid/prefix-hash.ts';
import type { SidTable } from '../sid/sid-table.ts';
import type { ItemEncoder } from './decoder.ts';
import { PrefixMem, prefixHashConfigOf } from './prefixmem.ts';

/** Overwrites a PrefixMem's variables with loaded values (names with the `prefixmem.` prefix). */
export function assignPrefixMem(prefixMem: PrefixMem, params: Map<string, tf.Tensor>): void {
  for (const [name, v] of prefixMem.variables) {
    const value = params.get(name);
    if (!value) throw new Error(`model artifacts: missing PrefixMem tensor ${name}`);
    if (value.shape.join(',') !== v.shape.join(','))
      throw new Error(`model artifacts: ${name} has shape [${value.shape}], expected [${v.shape}]`);
    v.assign(value);
  }
}

/** Embeds items by their SIDs through PrefixMem. Dispose to free its index tensors (not PrefixMem). */
export class PrefixMemItemEncoder implements ItemEncoder {
  private readonly codes: tf.Tensor2D; // int32 [items, sidLength]
  private readonly hashRows: tf.Tensor3D; // int32 [items, sidLength, slots]

  constructor(
    readonly prefixMem: PrefixMem,
    readonly table: SidTable,
  ) {
    const cfg = prefixMem.config;
    if (cfg.levels !== table.sidLength)
      throw new Error(`PrefixMem embeds ${cfg.levels} positions but SIDs have ${table.sidLength}`);
    const codes = Int32Array.from(table.codes);
    const hash = prefixHashIndices(codes, table.items, table.sidLength, table.sidLength, prefixHashConfigOf(cfg));
    this.codes = tf.tensor2d(codes, [table.items, table.sidLength], 'int32');
    this.hashRows = tf.tensor3d(hash, [table.items, table.sidLength, prefixMem.slots], 'int32');
  }

  /** items int32 [n] -> [n, dim]. */
  embedItems(items: tf.Tensor1D): tf.Tensor2D {
    return tf.tidy(() =>
      this.prefixMem.embedItems(tf.gather(this.codes, items) as tf.Tensor2D, tf.gather(this.hashRows, items) as tf.Tensor3D),
    );
  }

  /** PrefixMem's variables without their `prefixmem.` prefix (the trainer and artifacts add it). */
  namedVariables(): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    for (const [name, v] of this.prefixMem.variables) out.set(name.replace(/^prefixmem\./, ''), v);
    return out;
  }

  /** Overwrites PrefixMem's variables with loaded values (names with the `prefixmem.` prefix). */
  assignFrom(params: Map<string, tf.Tensor>): void {
    assignPrefixMem(this.prefixMem, params);
  }

  dispose(): void {
    tf.dispose([this.codes, this.hashRows]);
  }
}
