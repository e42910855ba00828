/**
 * GPU regression page: runs every stage of a recommendation on the reference backend (cpu) and on
 * WebGPU with identical inputs, and reports per-stage errors and timings. Each stage is fed the
 * reference's inputs, so an error is that stage's own; the last stage (the engine's full
 * recommend) compares end to end. tests/browser/gpu-regression.spec.ts makes the assertions and
 * writes the JSON report.
 *
 * Stages: embedding lookup, PrefixMem, decoder forward (all positions), heads (every outcome x
 * horizon query), ranking head (100 candidates scored from the KV cache; models with a head), scoring (queries @ itemsᵀ), top-k (src/gpu/score-topk.ts: the fused WGSL kernel on
 * WebGPU), the SID head (one level's log-probabilities over the live beams' prefixes) and SID
 * generation (beam search over the trie with that head), full recommend through the engine.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-backend-cpu';
import { buildSyntheticModel } from '../../src/bench/synthetic-model.ts';
import { Engine } from '../../src/engine/engine.ts';
import { probeWebGPU } from '../../src/engine/backend.ts';
import type { AdapterReport } from '../../src/engine/protocol.ts';

import { scoreTopK } from '../../src/gpu/score-topk.ts';
import { loadDecoder } from '../../src/model/artifacts.ts';
import { decodeCatalog } from '../../src/model/catalog-file.ts';
import { parseManifest, type ArtifactRole, type ModelManifest } from '../../src/model/manifest.ts';
import { DEFAULT_PREFIXMEM_CONFIG, PrefixMem, prefixHashConfigOf, prefixMemConfigFor } from '../../src/model/prefixmem.ts';
import { SidDecoding, sidHeadConfigFor } from '../../src/model/sid-decoding.ts';
import { initSidHeadVariables, SidHead } from '../../src/model/sid-head.ts';
import { DecoderRuntime, type HistoryEvent } from '../../src/model/runtime.ts';
import { prefixHashIndices } from '../../src/sid/prefix-hash.ts';
import { buildSidTable } from '../../src/sid/sid-table.ts';

/** One stage's comparison. */
export interface StageReport {
  stage: string;
  /** Elements compared. */
  size: number;
  maxAbsError: number;
  /** max |webgpu - cpu| / max(1, |cpu|). */
  maxRelError: number;
  /** Share of the reference's top-k found in WebGPU's top-k (top-k style stages). */
  overlap?: number;
  /** Exact equality of index lists (top-k, SID generation, recommend). */
  identical?: boolean;
  ms: { cpu: number; webgpu: number };
  /** Which implementation ran on WebGPU, where there is a choice. */
  path?: string;
}

/** What one model's run produced. */
export interface RegressionRun {
  model: string;
  itemCount: number;
  adapter?: AdapterReport;
  /** The model has a ranking head (its stage runs). */
  rankingHead: boolean;
  stages: StageReport[];
}

type Values = Float32Array | Int32Array;
interface StageOutput {
  values: Values;
  ms: number;
  path?: string;
}

const TOP_K = 100;
const RECOMMEND_K = 10;

function seededInts(count: number, modulo: number, seed: number): Int32Array {
  let state = seed >>> 0;
  return Int32Array.from({ length: count }, () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) % modulo);
}

function compare(stage: string, reference: StageOutput, webgpu: StageOutput): StageReport {
  let maxAbsError = 0;
  let maxRelError = 0;
  for (let i = 0; i < reference.values.length; i++) {
    const a = reference.values[i]!;
    const b = webgpu.values[i]!;
    if (a === b) continue;
    const abs = Math.abs(a - b);
    maxAbsError = Math.max(maxAbsError, Number.isNaN(abs) ? Infinity : abs);
    maxRelError = Math.max(maxRelError, Number.isNaN(abs) ? Infinity : abs / Math.max(1, Math.abs(a)));
  }
  return {
    stage,
    size: reference.values.length,
    maxAbsError,
    maxRelError,
    ms: { cpu: reference.ms, webgpu: webgpu.ms },
    ...(webgpu.path ? { path: webgpu.path } : {}),
  };
}

function compareLists(stage: string, reference: StageOutput, webgpu: StageOutput, rowLength: number): StageReport {
  const report = compare(stage, reference, webgpu);
  let found = 0;
  const rows = reference.values.length / rowLength;
  for (let r = 0; r < rows; r++) {
    const mine = new Set(webgpu.values.subarray(r * rowLength, (r + 1) * rowLength));
    for (let j = 0; j < rowLength; j++) if (mine.has(reference.values[r * rowLength + j]!)) found++;
  }
  return {
    ...report,
    overlap: found / reference.values.length,
    identical: report.maxAbsError === 0 && reference.values.length === webgpu.values.length,
  };
}

async function timed<T extends tf.Tensor | tf.Tensor[]>(fn: () => T): Promise<{ out: T; ms: number }> {
  const t0 = performance.now();
  const out = fn();
  await Promise.all((Array.isArray(out) ? out : [out]).map((t) => t.data()));
  return { out, ms: performance.now() - t0 };
}

async function valuesOf(fn: () => tf.Tensor): Promise<StageOutput> {
  fn().dispose(); // warm-up: shader compilation is not part of a stage's time
  const { out, ms } = await timed(fn);
  const values = (await out.data()) as Values;
  out.dispose();
  return { values, ms };
}

/** Inputs shared by both backends: chosen once from the reference run. */
interface SharedInputs {
  history: HistoryEvent[];
  lookupItems: Int32Array;
  requests: { outcome: number; horizon: number }[];
  /** Reference queries [Q, d], fed to scoring / top-k on both backends. */
  queries?: Float32Array;
}

async function runStages(
  backend: string,
  manifest: ModelManifest,
  files: Map<ArtifactRole, ArrayBuffer>,
  inputs: SharedInputs,
): Promise<Map<string, StageOutput>> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
  await tf.ready();
  const out = new Map<string, StageOutput>();
  const loaded = loadDecoder(manifest, files);
  const { decoder, itemEmbeddings } = loaded;
  const itemCount = manifest.itemCount;
  const dim = manifest.embeddingDim;
  try {
    out.set('embedding lookup', await valuesOf(() => decoder.itemRepresentation(tf.tensor1d(inputs.lookupItems, 'int32'))));

    // PrefixMem over 4-position SIDs (64 codes per position), seeded parameters: identical on both backends.
    const prefixConfig = { ...DEFAULT_PREFIXMEM_CONFIG, levels: 4, codebookSize: 64, dim, tableSize: 1024 };
    const prefixMem = new PrefixMem(prefixConfig, 3);
    const codes = seededInts(256 * 4, 64, 5);
    const hashes = prefixHashIndices(codes, 256, 4, 4, prefixHashConfigOf(prefixConfig));
    out.set(
      'PrefixMem',
      await valuesOf(() =>
        prefixMem.embedItems(tf.tensor2d(codes, [256, 4], 'int32'), tf.tensor3d(hashes, [256, 4, hashes.length / 1024], 'int32')),
      ),
    );
    for (const variable of prefixMem.variables.values()) variable.dispose();

    const runtime = DecoderRuntime.fromArtifacts(manifest, files);
    out.set('decoder forward', await valuesOf(() => runtime.hiddenStates(inputs.history)));
    const session = runtime.prefill(inputs.history);
    out.set('heads', await valuesOf(() => runtime.queries(session, inputs.requests)));
    if (runtime.hasRankingHead) {
      const candidates = Array.from(inputs.lookupItems.subarray(0, 100));
      out.set('ranking head', await valuesOf(() => runtime.rankCandidates(session, candidates)));
    }
    session.dispose();
    runtime.dispose();

    const queryValues = inputs.queries ?? (out.get('heads')!.values as Float32Array);
    const queries = tf.tensor2d(queryValues, [inputs.requests.length, dim]);
    out.set('scoring', await valuesOf(() => tf.matMul(queries, itemEmbeddings, false, true)));
    const warmUp = scoreTopK(queries, itemEmbeddings, TOP_K); // shader compilation is not part of the stage's time
    await warmUp.indices.data();
    tf.dispose([warmUp.values, warmUp.indices]);
    const t0 = performance.now();
    const top = scoreTopK(queries, itemEmbeddings, TOP_K);
    const indices = (await top.indices.data()) as Int32Array;
    await top.values.data();
    out.set('top-k', { values: indices, ms: performance.now() - t0, path: top.path });
    tf.dispose([top.values, top.indices, queries]);

    // The SID head and SID generation over seeded 3 x 32 codes (+ disambiguation) with seeded
    // PrefixMem and head weights: identical on both backends, whatever the model ships.
    const { table } = buildSidTable(seededInts(itemCount * 3, 32, 9), itemCount, 3, 32);
    const sidMem = new PrefixMem(prefixMemConfigFor(table, { dim, tableSize: 1024 }), 5);
    const headConfig = sidHeadConfigFor({ table, prefixMem: sidMem }, dim);
    const headVariables = initSidHeadVariables(headConfig, 6);
    const sid = new SidDecoding(new SidHead(headConfig, headVariables), sidMem, table);
    const sidQueries = tf.tensor2d(queryValues, [inputs.requests.length, dim]);
    try {
      const prefixes = Array.from({ length: 64 }, (_, i) => {
        const item = inputs.lookupItems[i % inputs.lookupItems.length]!;
        return Int32Array.from(table.codes.subarray(item * table.sidLength, item * table.sidLength + 2));
      });
      const beamQueries = Int32Array.from({ length: 64 }, (_, i) => i % inputs.requests.length);
      out.set(
        'SID head',
        await valuesOf(() =>
          sid.levelLogProbs(tf.gather(sidQueries, tf.tensor1d(beamQueries, 'int32')) as tf.Tensor2D, prefixes, 2),
        ),
      );
      await sid.generate(sidQueries, RECOMMEND_K); // warm-up: shader compilation is not part of the stage's time
      const t1 = performance.now();
      const generated = await sid.generate(sidQueries, RECOMMEND_K);
      const ms = performance.now() - t1;
      const lists = new Int32Array(inputs.requests.length * RECOMMEND_K).fill(-1);
      generated.forEach((g, q) => lists.set(g.items.subarray(0, RECOMMEND_K), q * RECOMMEND_K));
      out.set('SID generation', { values: lists, ms });
    } finally {
      tf.dispose([sidQueries, ...headVariables.values()]);
      sidMem.dispose();
    }
  } finally {
    loaded.dispose();
  }
  return out;
}

/** The engine's full recommend on one backend, with the artifacts served from memory. */
async function recommendOn(
  backend: 'cpu' | 'webgpu',
  manifestBytes: Uint8Array,
  fileBytes: Map<string, Uint8Array>,
  history: HistoryEvent[],
  outcomes: string[],
): Promise<StageOutput> {
  const base = 'https://model.invalid/';
  const fetchFromMemory = async (input: string): Promise<Response> => {
    const path = input.startsWith(base) ? input.slice(base.length) : input;
    const bytes = path === 'manifest.json' ? manifestBytes : fileBytes.get(path);
    return bytes ? new Response(bytes.slice().buffer) : new Response('not found', { status: 404 });
  };
  const engine = new Engine({ createRuntime: (m, f) => DecoderRuntime.fromArtifacts(m, f), fetch: fetchFromMemory });
  const databaseName = `pocketrec-gpu-regression-${backend}-${Date.now()}`;
  try {
    const status = await engine.load({ modelUrl: `${base}manifest.json`, backend, allowFallback: false, databaseName });
    if (status.itemCount !== catalogSize) throw new Error(`engine reports ${status.itemCount} items, the model ${catalogSize}`);
    await engine.replaceHistory(history.map((e) => ({ itemId: idOf(e.item), outcome: outcomes[e.outcome]!, time: e.time })));
    await engine.recommend({ k: RECOMMEND_K, horizon: 'all' }); // warm-up
    const t0 = performance.now();
    const result = await engine.recommend({ k: RECOMMEND_K, horizon: 'all' });
    const ms = performance.now() - t0;
    return { values: Int32Array.from(result.items, (item) => item.index), ms };
  } finally {
    await engine.deleteStorage().catch(() => undefined);
  }
}

/** Raw item ids of the model under test (filled in by `run` when the model has a catalog file). */
let catalogIds: string[] | undefined;
let catalogSize = 0;
function idOf(index: number): string {
  return catalogIds ? catalogIds[index]! : String(index);
}

async function fetchModel(url: string): Promise<{ manifestBytes: Uint8Array; files: Map<string, Uint8Array> }> {
  const manifestBytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const manifest = parseManifest(new TextDecoder().decode(manifestBytes), url);
  const files = new Map<string, Uint8Array>();
  for (const entry of manifest.files)
    files.set(entry.path, new Uint8Array(await (await fetch(new URL(entry.path, new URL(url, location.href)))).arrayBuffer()));
  return { manifestBytes, files };
}

/** Runs every stage for a model: `url` of a manifest, or `synthetic:<items>`. */
async function run(model: string): Promise<RegressionRun> {
  let manifestBytes: Uint8Array;
  let bytesByPath: Map<string, Uint8Array>;
  if (model.startsWith('synthetic:')) {
    await tf.setBackend('cpu');
    const built = await buildSyntheticModel({ itemCount: Number(model.slice('synthetic:'.length)), seed: 17 });
    manifestBytes = built.get('manifest.json')!;
    bytesByPath = new Map([...built].filter(([path]) => path !== 'manifest.json'));
  } else {
    ({ manifestBytes, files: bytesByPath } = await fetchModel(model));
  }
  const manifest = parseManifest(new TextDecoder().decode(manifestBytes), model);
  const files = new Map<ArtifactRole, ArrayBuffer>(manifest.files.map((f) => [f.role, bytesByPath.get(f.path)!.slice().buffer]));
  const catalogBytes = files.get('catalog');
  catalogIds = undefined;
  catalogSize = manifest.itemCount;
  if (catalogBytes) {
    catalogIds = decodeCatalog(catalogBytes, manifest.itemCount).ids;
  }

  const outcomes = manifest.outcomes;
  const history: HistoryEvent[] = Array.from(seededInts(60, manifest.itemCount, 21), (item, i) => ({
    item,
    outcome: i % outcomes.length,
    time: 1_600_000_000 + 3600 * i,
  }));
  const requests = outcomes.flatMap((_, outcome) => manifest.horizons.map((__, horizon) => ({ outcome, horizon })));
  const inputs: SharedInputs = { history, lookupItems: seededInts(128, manifest.itemCount, 33), requests };

  const reference = await runStages('cpu', manifest, files, inputs);
  inputs.queries = reference.get('heads')!.values as Float32Array;
  const webgpu = await runStages('webgpu', manifest, files, inputs);

  const stages: StageReport[] = [];
  for (const [stage, ref] of reference) {
    const gpu = webgpu.get(stage)!;
    stages.push(
      stage === 'top-k'
        ? compareLists(stage, ref, gpu, TOP_K)
        : stage === 'SID generation'
          ? compareLists(stage, ref, gpu, RECOMMEND_K)
          : compare(stage, ref, gpu),
    );
  }
  const recommendCpu = await recommendOn('cpu', manifestBytes, bytesByPath, history, outcomes);
  const recommendGpu = await recommendOn('webgpu', manifestBytes, bytesByPath, history, outcomes);
  stages.push(compareLists('full recommend', recommendCpu, recommendGpu, RECOMMEND_K));
  const { adapter } = await probeWebGPU();
  return {
    model: model.startsWith('synthetic:') ? `synthetic, ${manifest.itemCount} items` : manifest.dataset.name,
    itemCount: manifest.itemCount,
    adapter,
    rankingHead: (manifest.model as { ranking?: unknown }).ranking !== undefined,
    stages,
  };
}

const gpuRegression = { run };

declare global {
  interface Window {
    gpuRegression: typeof gpuRegression;
  }
}
window.gpuRegression = gpuRegression;
document.getElementById('status')!.textContent = 'ready';
