/**
 * Fused retrieval scoring + top-k for the WebGPU backend, as custom WGSL programs run through
 * TF.js' own WebGPU backend (its buffers, its pipeline cache, its tensors).
 *
 * Why: TF.js' WebGPU `topk` is a bitonic network over the whole padded score row, one dispatch per
 * step (dozens of dispatches for 100k items), which makes top-k cost more than the matmul itself
 * on large catalogs. Here one dispatch computes scores and sorts them in workgroup memory:
 *
 *   pass 1  (queries[Q,d], items[N,d], bias[N]?) -> for each block of 1024 items: scores =
 *           q·item + bias, bitonic-sorted in shared memory, the block's best k kept
 *           -> candidates [Q, ceil(N/1024), 2k]  (k values, then k indices as f32)
 *   pass 2+ the same block sort over candidates until one block remains -> [Q, 1, 2k]
 *
 * Ordering matches tf.topk: higher score first, ties broken by the lower item index. Item indices
 * travel as f32 (exact below 2^24, so catalogs up to 16,777,215 items). `bias` adds a per-item term
 * (use -Infinity to exclude seen or filtered items). On every other backend, and for k > 512, the
 * same function falls back to `matMul` + `topk`, so callers need not care which path ran.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Items (or candidates) one workgroup sorts. Shared memory: 2 x 1024 x 4 B = 8 KiB (limit 16-32 KiB). */
const BLOCK = 1024;
/** Threads per workgroup (the WebGPU default limit is 256). */
const THREADS = 256;
/** Largest k the fused path handles; each merge pass then at least halves the candidates. */
export const MAX_FUSED_K = BLOCK / 2;
/** Index given to padding slots: sorts after every real item on ties, exact in f32. */
const PAD_INDEX = 16777215;

/** The subset of TF.js' WebGPU program interface these kernels use. */
interface WebGPUProgramLike {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms?: string;
  getUserCode: () => string;
}

/** The WebGPU backend's entry point for custom programs. */
interface WebGPUBackendLike {
  runWebGPUProgram(
    program: WebGPUProgramLike,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    programDefinedUniform?: { type: 'int32' | 'float32'; data: number[] }[],
  ): tf.TensorInfo;
}

/** WGSL: sort `blockValues`/`blockIndices` descending (ties: lower index first), then write the best K. */
function sortAndWriteSnippet(k: number): string {
  return `
    workgroupBarrier();
    for (var size = 2; size <= ${BLOCK}; size = size * 2) {
      for (var stride = size / 2; stride > 0; stride = stride / 2) {
        for (var p = i32(localId.x); p < ${BLOCK / 2}; p = p + ${THREADS}) {
          let i = 2 * stride * (p / stride) + (p % stride);
          let j = i + stride;
          let descending = (i & size) == 0;
          let vi = blockValues[i];
          let vj = blockValues[j];
          let ii = blockIndices[i];
          let ij = blockIndices[j];
          let jFirst = vj > vi || (vj == vi && ij < ii);
          if (jFirst == descending) {
            blockValues[i] = vj;
            blockValues[j] = vi;
            blockIndices[i] = ij;
            blockIndices[j] = ii;
          }
        }
        workgroupBarrier();
      }
    }
    let outBase = (query * i32(numWorkgroups.x) + block) * ${2 * k};
    for (var r = i32(localId.x); r < ${k}; r = r + ${THREADS}) {
      setOutputAtIndex(outBase + r, blockValues[r]);
      setOutputAtIndex(outBase + ${k} + r, f32(blockIndices[r]));
    }`;
}

const SHARED_MEMORY = `
  var<workgroup> blockValues : array<f32, ${BLOCK}>;
  var<workgroup> blockIndices : array<i32, ${BLOCK}>;`;

/** Pass 1: scores for one block of items against one query, sorted, best k written. */
class ScoreBlockTopKProgram implements WebGPUProgramLike {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [1], y: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [THREADS, 1, 1];
  uniforms = 'numItems : i32, dim : i32,';

  constructor(
    queryCount: number,
    itemCount: number,
    private readonly k: number,
    private readonly hasBias: boolean,
  ) {
    const blocks = Math.ceil(itemCount / BLOCK);
    this.variableNames = hasBias ? ['queries', 'items', 'bias'] : ['queries', 'items'];
    this.outputShape = [queryCount, blocks, 2 * k];
    this.dispatch = [blocks, queryCount, 1];
    this.shaderKey = `pocketrec_score_block_topk_${k}_${hasBias ? 'bias' : 'nobias'}`;
  }

  getUserCode(): string {
    return `
      ${SHARED_MEMORY}
      fn main() {
        let query = i32(workgroupId.y);
        let block = i32(workgroupId.x);
        let dim = uniforms.dim;
        for (var slot = i32(localId.x); slot < ${BLOCK}; slot = slot + ${THREADS}) {
          let item = block * ${BLOCK} + slot;
          var value = -uniforms.INFINITY;
          var index = ${PAD_INDEX};
          if (item < uniforms.numItems) {
            var acc = 0.0;
            for (var j = 0; j < dim; j = j + 1) {
              acc = acc + queries[query * dim + j] * items[item * dim + j];
            }
            value = acc${this.hasBias ? ' + bias[item]' : ''};
            index = item;
          }
          blockValues[slot] = value;
          blockIndices[slot] = index;
        }
        ${sortAndWriteSnippet(this.k)}
      }`;
  }
}

/** Pass 2+: merges candidate lists ([Q, blocksIn, 2k]) by block, best k of each block written. */
class MergeBlockTopKProgram implements WebGPUProgramLike {
  variableNames = ['candidates'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [1], y: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [THREADS, 1, 1];
  uniforms = 'blocksIn : i32,';

  constructor(
    queryCount: number,
    blocksIn: number,
    private readonly k: number,
  ) {
    const blocksOut = Math.ceil((blocksIn * k) / BLOCK);
    this.outputShape = [queryCount, blocksOut, 2 * k];
    this.dispatch = [blocksOut, queryCount, 1];
    this.shaderKey = `pocketrec_merge_block_topk_${k}`;
  }

  getUserCode(): string {
    const k = this.k;
    return `
      ${SHARED_MEMORY}
      fn main() {
        let query = i32(workgroupId.y);
        let block = i32(workgroupId.x);
        let total = uniforms.blocksIn * ${k};
        for (var slot = i32(localId.x); slot < ${BLOCK}; slot = slot + ${THREADS}) {
          let candidate = block * ${BLOCK} + slot;
          var value = -uniforms.INFINITY;
          var index = ${PAD_INDEX};
          if (candidate < total) {
            let source = (query * uniforms.blocksIn + candidate / ${k}) * ${2 * k} + candidate % ${k};
            value = candidates[source];
            index = i32(candidates[source + ${k}]);
          }
          blockValues[slot] = value;
          blockIndices[slot] = index;
        }
        ${sortAndWriteSnippet(k)}
      }`;
  }
}

/** Top-k result: scores and item indices, each [Q, k], best first. */
export interface ScoreTopK {
  values: tf.Tensor2D;
  indices: tf.Tensor2D;
  /** Which implementation ran: the fused WGSL kernel or TF.js' matMul + topk. */
  path: 'fused-webgpu' | 'matmul-topk';
}

/** The reference path: scores = queries · itemsᵀ (+ bias), then tf.topk. Same results on every backend. */
export function scoreTopKReference(queries: tf.Tensor2D, items: tf.Tensor2D, k: number, bias?: tf.Tensor1D): ScoreTopK {
  return tf.tidy(() => {
    let scores = tf.matMul(queries, items, false, true); // [Q, N]
    if (bias) scores = tf.add(scores, bias); // [Q, N] + [N]
    const { values, indices } = tf.topk(scores, k); // [Q, k] each
    return { values: values as tf.Tensor2D, indices: indices as tf.Tensor2D, path: 'matmul-topk' as const };
  }) as ScoreTopK;
}

/** Whether the fused kernel can serve this call (WebGPU backend, k within limits). */
export function canUseFusedScoreTopK(itemCount: number, k: number): boolean {
  return tf.getBackend() === 'webgpu' && k >= 1 && k <= MAX_FUSED_K && k <= itemCount && itemCount < PAD_INDEX;
}

/**
 * Top-k items by dot product for every query: queries [Q, d], items [N, d], optional bias [N].
 * Uses the fused WGSL kernel on WebGPU and matMul + topk elsewhere. The caller disposes the result.
 */
export function scoreTopK(queries: tf.Tensor2D, items: tf.Tensor2D, k: number, bias?: tf.Tensor1D): ScoreTopK {
  const [queryCount, dim] = queries.shape;
  const [itemCount, itemDim] = items.shape;
  if (dim !== itemDim) throw new Error(`scoreTopK: queries have width ${dim}, items ${itemDim}`);
  if (bias && bias.shape[0] !== itemCount) throw new Error(`scoreTopK: bias has ${bias.shape[0]} entries, items ${itemCount}`);
  if (!Number.isInteger(k) || k < 1 || k > itemCount) throw new Error(`scoreTopK: k must be in 1..${itemCount}, got ${k}`);
  if (!canUseFusedScoreTopK(itemCount, k)) return scoreTopKReference(queries, items, k, bias);

  const backend = tf.backend() as unknown as WebGPUBackendLike;
  const inputs: tf.TensorInfo[] = bias ? [queries, items, bias] : [queries, items];
  const first = new ScoreBlockTopKProgram(queryCount, itemCount, k, !!bias);
  let candidates = backend.runWebGPUProgram(first, inputs, 'float32', [
    { type: 'int32', data: [itemCount] },
    { type: 'int32', data: [dim] },
  ]);
  while (candidates.shape[1]! > 1) {
    const merge = new MergeBlockTopKProgram(queryCount, candidates.shape[1]!, k);
    const next = backend.runWebGPUProgram(merge, [candidates], 'float32', [{ type: 'int32', data: [candidates.shape[1]!] }]);
    tf.engine().disposeTensor(tf.engine().makeTensorFromTensorInfo(candidates));
    candidates = next;
  }
  const packed = tf.engine().makeTensorFromTensorInfo(candidates) as tf.Tensor3D; // [Q, 1, 2k]
  return tf.tidy(() => {
    const rows = tf.reshape(packed, [queryCount, 2 * k]); // [Q, 2k]
    const values = tf.slice(rows, [0, 0], [queryCount, k]) as tf.Tensor2D; // [Q, k]
    const indices = tf.cast(tf.slice(rows, [0, k], [queryCount, k]), 'int32') as tf.Tensor2D; // [Q, k]
    packed.dispose();
    return { values, indices, path: 'fused-webgpu' as const };
  }) as ScoreTopK;
}
