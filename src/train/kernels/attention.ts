/**
 * The fused causal-attention kernels for the TF.js wasm backend (`causalAttention` in
 * src/model/attention.ts): the whole batch's attention, forward or backward, in ONE kernel call per
 * block instead of ~25 TF.js ops per sequence (1,592 matmul kernels per training step before).
 *
 * Per sequence and head the products run through the stock wasm `BatchMatMul` kernel (XNNPACK),
 * called directly on scratch tensors of the wasm heap; the causal mask, softmax and softmax gradient
 * are plain loops on heap views. The right operand of every product is a fresh scratch tensor,
 * disposed right after: XNNPACK caches its packed weights by tensor id.
 *
 *   forward:  P = softmax(Q K^T + causal mask),  O = P V               (q arrives already scaled)
 *   backward: dV = P^T dO,  dP = dO V^T,  dS = P * (dP - rowsum(P * dP)),  dQ = dS K,  dK = dS^T Q
 *
 * Layout (see `CausalAttentionAttrs`): q [R, d] packs the new tokens of each sequence in order; k, v
 * [sum(S_b) + R, d] hold each sequence's S_b cached tokens then its new ones. New token i of a sequence sees
 * keys 0..S+i of its sequence. The forward's second output holds every sequence's and head's P
 * ([T, S+T] each, in order), which the backward reads instead of recomputing.
 */
import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { CAUSAL_ATTENTION_GRAD_KERNEL, CAUSAL_ATTENTION_KERNEL } from '../../model/attention.ts';
import { expNonPositive } from './fast-exp.ts';
import { heapView, type WasmBackendLike } from './wasm-heap.ts';

type Args = { inputs: Record<string, TensorInfo>; backend: unknown; attrs?: NamedAttrMap };

interface Layout {
  lengths: number[];
  /** Cached tokens of each sequence (S_b). */
  cached: number[];
  heads: number;
  d: number;
  dh: number;
}

function layoutOf(args: Args, q: TensorInfo, k: TensorInfo, v: TensorInfo): Layout {
  const lengths = (args.attrs?.['lengths'] as number[] | undefined) ?? [];
  const given = args.attrs?.['cached'] ?? 0;
  const cached = Array.isArray(given) ? given.map(Number) : lengths.map(() => Number(given));
  const heads = Number(args.attrs?.['heads'] ?? 1);
  const d = q.shape[1]!;
  const R = lengths.reduce((a, b) => a + b, 0);
  const keys = R + cached.reduce((a, b) => a + b, 0);
  const ok =
    q.shape.length === 2 &&
    q.shape[0] === R &&
    k.shape.length === 2 &&
    v.shape.length === 2 &&
    k.shape[0] === keys &&
    v.shape[0] === keys &&
    k.shape[1] === d &&
    v.shape[1] === d &&
    [q, k, v].every((t) => t.dtype === 'float32') &&
    Number.isInteger(heads) &&
    heads > 0 &&
    d % heads === 0 &&
    cached.length === lengths.length &&
    cached.every((n) => Number.isInteger(n) && n >= 0) &&
    lengths.every((n) => Number.isInteger(n) && n >= 0);
  if (!ok)
    throw new Error(
      `${CAUSAL_ATTENTION_KERNEL}: bad inputs q [${q.shape}] k [${k.shape}] v [${v.shape}] for lengths summing to ${R}, ` +
        `${cached.join(',')} cached, ${heads} heads (float32 only)`,
    );
  return { lengths, cached, heads, d, dh: d / heads };
}

/** Scratch tensors and products on the wasm heap, through the stock matmul kernel. */
class Scratch {
  constructor(
    readonly backend: WasmBackendLike,
    private readonly matMul: KernelFunc,
  ) {}

  /** A fresh float32 tensor of `shape`, filled by `fill(view)`. */
  tensor(shape: [number, number], fill: (view: Float32Array) => void): TensorInfo {
    const t = this.backend.makeOutput(shape, 'float32');
    fill(this.view(t));
    return t;
  }

  view(t: TensorInfo): Float32Array {
    return heapView(this.backend, t) as Float32Array;
  }

  /** a [m, k] x b [k, n]; disposes a and b, returns the product (caller disposes). */
  product(a: TensorInfo, b: TensorInfo): TensorInfo {
    const out = this.matMul({
      inputs: { a, b },
      backend: this.backend as never,
      attrs: { transposeA: false, transposeB: false },
    }) as TensorInfo;
    this.free(a);
    this.free(b);
    return out;
  }

  free(t: TensorInfo): void {
    this.backend.disposeData(t.dataId);
  }
}

/** Copies the [rows, dh] block at (row0, col0) of a row-major [*, d] matrix into out (row-major, or transposed: [dh, rows]). */
function copyBlock(
  src: Float32Array,
  d: number,
  row0: number,
  rows: number,
  col0: number,
  dh: number,
  out: Float32Array,
  transposed: boolean,
): void {
  for (let r = 0; r < rows; r++) {
    const s = (row0 + r) * d + col0;
    if (!transposed) out.set(src.subarray(s, s + dh), r * dh);
    else for (let c = 0; c < dh; c++) out[c * rows + r] = src[s + c]!;
  }
}

/** Writes a [rows, dh] product into the (row0, col0) block of a row-major [*, d] matrix. */
function storeBlock(
  block: Float32Array,
  dst: Float32Array,
  d: number,
  row0: number,
  rows: number,
  col0: number,
  dh: number,
): void {
  for (let r = 0; r < rows; r++) dst.set(block.subarray(r * dh, (r + 1) * dh), (row0 + r) * d + col0);
}

/** Visits each (sequence, head) with its query row, key row and weights offsets. */
function eachBlock(
  layout: Layout,
  visit: (T: number, N: number, qRow: number, kRow: number, col: number, wOff: number, S: number) => void,
): number {
  let qRow = 0;
  let kRow = 0;
  let wOff = 0;
  for (let b = 0; b < layout.lengths.length; b++) {
    const T = layout.lengths[b]!;
    const S = layout.cached[b]!;
    const N = S + T;
    if (T > 0) {
      for (let h = 0; h < layout.heads; h++) {
        visit(T, N, qRow, kRow, h * layout.dh, wOff, S);
        wOff += T * N;
      }
    }
    qRow += T;
    kRow += N;
  }
  return wOff;
}

function forward(args: Args, stockMatMul: KernelFunc): TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { q, k, v } = args.inputs as { q: TensorInfo; k: TensorInfo; v: TensorInfo };
  const layout = layoutOf(args, q, k, v);
  const { d, dh } = layout;
  const weightCount = eachBlock(layout, () => {});
  const out = backend.makeOutput([q.shape[0]!, d], 'float32');
  const weights = backend.makeOutput([weightCount], 'float32');
  const s = new Scratch(backend, stockMatMul);
  eachBlock(layout, (T, N, qRow, kRow, col, wOff, S) => {
    // scores = Q K^T [T, N]
    const qa = s.tensor([T, dh], (o) => copyBlock(s.view(q), d, qRow, T, col, dh, o, false));
    const kt = s.tensor([dh, N], (o) => copyBlock(s.view(k), d, kRow, N, col, dh, o, true));
    const scores = s.product(qa, kt);
    // P = causal softmax, into the weights output and the next product's left operand.
    const p = s.tensor([T, N], () => {});
    {
      const sc = s.view(scores);
      const pv = s.view(p);
      for (let i = 0; i < T; i++) {
        const row = i * N;
        const last = S + i; // keys 0..last are visible
        let max = -Infinity;
        for (let j = 0; j <= last; j++) if (sc[row + j]! > max) max = sc[row + j]!;
        let sum = 0;
        for (let j = 0; j <= last; j++) {
          const e = expNonPositive(sc[row + j]! - max);
          pv[row + j] = e;
          sum += e;
        }
        const inv = 1 / sum;
        for (let j = 0; j <= last; j++) pv[row + j]! *= inv;
        for (let j = last + 1; j < N; j++) pv[row + j] = 0;
      }
      s.view(weights).set(pv, wOff);
    }
    s.free(scores);
    // O = P V [T, dh]
    const vb = s.tensor([N, dh], (o) => copyBlock(s.view(v), d, kRow, N, col, dh, o, false));
    const o = s.product(p, vb);
    storeBlock(s.view(o), s.view(out), d, qRow, T, col, dh);
    s.free(o);
  });
  return [out, weights];
}

function backward(args: Args, stockMatMul: KernelFunc): TensorInfo[] {
  const backend = args.backend as WasmBackendLike;
  const { q, k, v, weights, dy } = args.inputs as Record<'q' | 'k' | 'v' | 'weights' | 'dy', TensorInfo>;
  const layout = layoutOf(args, q, k, v);
  const { d, dh } = layout;
  const dq = backend.makeOutput([...q.shape], 'float32');
  const dk = backend.makeOutput([...k.shape], 'float32');
  const dv = backend.makeOutput([...v.shape], 'float32');
  for (const t of [dq, dk, dv]) heapView(backend, t).fill(0); // fresh heap memory is not zeroed
  const s = new Scratch(backend, stockMatMul);
  eachBlock(layout, (T, N, qRow, kRow, col, wOff, S) => {
    // P and dS are zero above the causal diagonal (key j > S + i): loops visit j <= S + i only.
    // dV = P^T dO [N, dh]
    const pt = s.tensor([N, T], (o) => {
      o.fill(0);
      const w = s.view(weights);
      for (let i = 0; i < T; i++) for (let j = 0, last = S + i; j <= last; j++) o[j * T + i] = w[wOff + i * N + j]!;
    });
    const dOut = () => s.tensor([T, dh], (o) => copyBlock(s.view(dy), d, qRow, T, col, dh, o, false));
    const dvb = s.product(pt, dOut());
    storeBlock(s.view(dvb), s.view(dv), d, kRow, N, col, dh);
    s.free(dvb);
    // dP = dO V^T [T, N]
    const vt = s.tensor([dh, N], (o) => copyBlock(s.view(v), d, kRow, N, col, dh, o, true));
    const dp = s.product(dOut(), vt);
    // dS = P * (dP - rowsum(P * dP)), and its transpose.
    const ds = s.tensor([T, N], () => {});
    const dst = s.tensor([N, T], () => {});
    {
      const w = s.view(weights);
      const g = s.view(dp);
      const o = s.view(ds);
      const ot = s.view(dst);
      o.fill(0);
      ot.fill(0);
      for (let i = 0; i < T; i++) {
        const row = i * N;
        const last = S + i;
        let dot = 0;
        for (let j = 0; j <= last; j++) dot += w[wOff + row + j]! * g[row + j]!;
        for (let j = 0; j <= last; j++) {
          const x = w[wOff + row + j]! * (g[row + j]! - dot);
          o[row + j] = x;
          ot[j * T + i] = x;
        }
      }
    }
    s.free(dp);
    // dQ = dS K [T, dh];  dK = dS^T Q [N, dh]
    const kb = s.tensor([N, dh], (o) => copyBlock(s.view(k), d, kRow, N, col, dh, o, false));
    const dqb = s.product(ds, kb);
    storeBlock(s.view(dqb), s.view(dq), d, qRow, T, col, dh);
    s.free(dqb);
    const qb = s.tensor([T, dh], (o) => copyBlock(s.view(q), d, qRow, T, col, dh, o, false));
    const dkb = s.product(dst, qb);
    storeBlock(s.view(dkb), s.view(dk), d, kRow, N, col, dh);
    s.free(dkb);
  });
  return [dq, dk, dv];
}

/** The forward and gradient kernel configs around the stock wasm matmul (register both). */
export function causalAttentionWasmConfigs(stockMatMul: KernelConfig): KernelConfig[] {
  const matMul = stockMatMul.kernelFunc;
  return [
    {
      kernelName: CAUSAL_ATTENTION_KERNEL,
      backendName: 'wasm',
      kernelFunc: ((args: Args) => forward(args, matMul)) as unknown as KernelFunc,
    },
    {
      kernelName: CAUSAL_ATTENTION_GRAD_KERNEL,
      backendName: 'wasm',
      kernelFunc: ((args: Args) => backward(args, matMul)) as unknown as KernelFunc,
    },
  ];
}
