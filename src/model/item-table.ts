/**
 * Compact encodings of the `item-embeddings` file (the retrieval table): float32 (the default, the
 * only one before `itemEmbeddingEncoding` existed), float16, or int8 with one float32 scale per row.
 * `encodeItemTable` is what the exporter writes; `decodeItemTable` turns the file back into float32
 * values once, at load, so the runtime's resident table is float32 whatever the file holds.
 * Byte layouts are specified in docs/artifacts.md ("Item-table encodings"). No Node APIs.
 */

/** How `item-embeddings.bin` is stored (manifest field `itemEmbeddingEncoding`; absent = float32). */
export type ItemEmbeddingEncoding = { type: 'fp32' } | { type: 'fp16' } | { type: 'int8'; scale: 'per-row' };

/** The `--item-precision` choices of `pocketrec train`. */
export type ItemPrecision = ItemEmbeddingEncoding['type'];

/** Every accepted precision, for option parsing and messages. */
export const ITEM_PRECISIONS: readonly ItemPrecision[] = ['fp32', 'fp16', 'int8'];

/** The encoding a precision names. */
export function itemEncodingOf(precision: ItemPrecision): ItemEmbeddingEncoding {
  return precision === 'int8' ? { type: 'int8', scale: 'per-row' } : { type: precision };
}

/**
 * Checks a manifest's `itemEmbeddingEncoding` value (undefined means float32). Returns the encoding,
 * or a reason string when the value is not one this runtime reads.
 */
export function parseItemEncoding(value: unknown): ItemEmbeddingEncoding | string {
  if (value === undefined) return { type: 'fp32' };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'itemEmbeddingEncoding is not an object';
  const v = value as Record<string, unknown>;
  if (v.type === 'fp32' || v.type === 'fp16') return { type: v.type };
  if (v.type === 'int8') {
    if (v.scale !== 'per-row') return `itemEmbeddingEncoding int8 needs scale "per-row", got ${JSON.stringify(v.scale)}`;
    return { type: 'int8', scale: 'per-row' };
  }
  return `itemEmbeddingEncoding.type ${JSON.stringify(v.type)} is not fp32, fp16 or int8`;
}

/** Exact bytes of an `item-embeddings` file of `rows` x `dim` in `encoding`. */
export function itemTableBytes(encoding: ItemEmbeddingEncoding, rows: number, dim: number): number {
  switch (encoding.type) {
    case 'fp32':
      return rows * dim * 4;
    case 'fp16':
      return rows * dim * 2;
    case 'int8':
      // float32 scale per row, then the int8 values; padded to a multiple of 4 bytes.
      return rows * 4 + Math.ceil((rows * dim) / 4) * 4;
  }
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits of a float32 value, round to nearest even (overflow -> infinity). */
export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    if (e < -10) return sign; // underflow to zero
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && (m & 1) === 1)) m++;
    return sign | m;
  }
  let h = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (h & 1) === 1)) h++; // may carry into the exponent: still correct
  return h;
}

/** The float value of IEEE binary16 bits. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** The file bytes of a [rows, dim] float32 table in `encoding` (little-endian). */
export function encodeItemTable(values: Float32Array, rows: number, dim: number, encoding: ItemEmbeddingEncoding): Uint8Array {
  if (values.length !== rows * dim) throw new Error(`item table: ${values.length} values, expected ${rows} x ${dim}`);
  const out = new Uint8Array(itemTableBytes(encoding, rows, dim));
  const view = new DataView(out.buffer);
  switch (encoding.type) {
    case 'fp32':
      // Typed arrays are little-endian on every platform pocketrec runs on (as in weights-io.ts).
      new Float32Array(out.buffer).set(values);
      return out;
    case 'fp16': {
      const half = new Uint16Array(out.buffer);
      for (let i = 0; i < values.length; i++) half[i] = toHalfBits(values[i]!);
      return out;
    }
    case 'int8': {
      const base = rows * 4;
      for (let r = 0; r < rows; r++) {
        let max = 0;
        for (let c = 0; c < dim; c++) max = Math.max(max, Math.abs(values[r * dim + c]!));
        const scale = Math.fround(max / 127);
        view.setFloat32(r * 4, scale, true);
        for (let c = 0; c < dim; c++) {
          const q = scale === 0 ? 0 : Math.max(-127, Math.min(127, Math.round(values[r * dim + c]! / scale)));
          view.setInt8(base + r * dim + c, q);
        }
      }
      return out;
    }
  }
}

/**
 * Float32 values [rows * dim] of an `item-embeddings` file in `encoding`. The caller has checked the
 * byte size (`itemTableBytes`); a wrong size throws.
 */
export function decodeItemTable(bytes: ArrayBuffer, rows: number, dim: number, encoding: ItemEmbeddingEncoding): Float32Array {
  const expected = itemTableBytes(encoding, rows, dim);
  if (bytes.byteLength !== expected)
    throw new Error(`item table: ${bytes.byteLength} bytes, ${encoding.type} ${rows} x ${dim} needs ${expected}`);
  const out = new Float32Array(rows * dim);
  const view = new DataView(bytes);
  switch (encoding.type) {
    case 'fp32':
      out.set(new Float32Array(bytes));
      return out;
    case 'fp16': {
      const half = new Uint16Array(bytes);
      for (let i = 0; i < out.length; i++) out[i] = fromHalfBits(half[i]!);
      return out;
    }
    case 'int8': {
      const base = rows * 4;
      for (let r = 0; r < rows; r++) {
        const scale = view.getFloat32(r * 4, true);
        for (let c = 0; c < dim; c++) out[r * dim + c] = view.getInt8(base + r * dim + c) * scale;
      }
      return out;
    }
  }
}
