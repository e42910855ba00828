/**
 * The on-device benchmark, run inside a worker (workers/bench.worker.ts), one backend and one model
 * per worker so memory figures start from zero. Everything goes through the real engine (IndexedDB,
 * sha256, the decoder, batched retrieval) except two reference measurements made in the same worker
 * on the same backend:
 *
 * - the **bare lower bound**: one `queries @ itemsᵀ` + top-k over the same item table
 *   (`scoreTopK`, the best implementation on that backend), the least a recommend call can cost;
 * - the decoder alone (`DecoderRuntime`): a full prefill of a 200-event history against a one-event
 *   KV-cache append after 199 events, both read back to the host;
 * - re-ranking at history 200 (models with a ranking head): 100 candidates scored from the cached KV,
 *   against one retrieval call (queries + score + top-100 from the same cache) and against
 *   re-encoding the history for the candidate batch (prefill + score), each read back.
 */
import * as tf from '@tensorflow/tfjs-core';
import { Engine } from '../engine/engine.ts';
import type { BackendName, RecordEvent } from '../engine/protocol.ts';
import { scoreTopK } from '../gpu/score-topk.ts';
import { parseManifest, type ArtifactRole, type ModelManifest } from '../model/manifest.ts';
import { DecoderRuntime, type HistoryEvent } from '../model/runtime.ts';

/** One benchmark run: a backend and a model. */
export interface BenchRunConfig {
  backend: BackendName;
  /** Absolute URL of the model's manifest.json. */
  modelUrl: string;
  /** History lengths to measure recommend() at. */
  historyLengths: number[];
  /** Timed recommend() calls per history length (after 2 warm-up calls)... */
  repeats: number;
  /** ...unless this many ms have passed (at least 3 calls are always timed). */
  timeBudgetMs: number;
  /** Items per recommendation. */
  k: number;
}

/** Latency distribution of one measured operation, ms. */
export interface LatencyStats {
  samples: number;
  p50: number;
  p95: number;
  mean: number;
}

/** Everything measured in one run. */
export interface BenchRunResult {
  backend: BackendName;
  adapter?: string;
  itemCount: number;
  embeddingDim: number;
  /** Network -> verify -> IndexedDB -> ready, ms (a fresh database), over the loopback (no network cost). */
  coldStartMs: number;
  /**
   * The same cold start over an emulated network (scripts/bench.ts points `measureColdStart` at its
   * throttling proxy and fills this in), ms; absent when not measured.
   */
  networkColdStartMs?: number;
  /** The emulated network of `networkColdStartMs`, e.g. "50 Mbit/s, 20 ms RTT". */
  network?: string;
  /** IndexedDB -> ready, ms (same database, new engine). */
  warmStartMs: number;
  warmStartSource: string;
  /** Queries per recommend call (outcomes x horizons in the request). */
  queriesPerCall: number;
  /** recommend() wall time seen by the caller, by history length. */
  recommend: Record<string, LatencyStats>;
  /** One scoring pass + top-k over the same table with the same number of queries. */
  lowerBound: LatencyStats;
  /**
   * recommend() at history 50 in the generative modes (`sid`, `sid+rerank`; beam = the engine's default),
   * when the model has a SID head.
   */
  sidRecommend?: Record<string, LatencyStats>;
  /** recommend p50 / lowerBound p50, by history length. */
  ratioToLowerBound: Record<string, number>;
  /** Decoder alone at history 200: full prefill vs one-token KV append (each with queries + read-back). */
  fullRecomputeMs: LatencyStats;
  incrementalMs: LatencyStats;
  incrementalSpeedup: number;
  /** Tokens the KV append computed (must be 1). */
  incrementalTokens: number;
  /** Re-ranking at history 200, 100 candidates (absent for a model without a ranking head). */
  rerank?: {
    candidates: number;
    /** Ranking head over the cached KV. */
    rerankMs: LatencyStats;
    /** One retrieval call from the same cache: queries + score + top-100. */
    retrievalMs: LatencyStats;
    /** Re-encoding the history for the batch: prefill 200 events + ranking head. */
    reencodeMs: LatencyStats;
  };
  /** Largest tf.memory().numBytes seen during the run (tensor bytes on the backend). */
  peakTensorBytes: number;
  tensorsAfter: number;
}

/** Percentiles over samples (nearest rank). */
export function latencyStats(samples: number[]): LatencyStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  const mean = sorted.reduce((sum, x) => sum + x, 0) / Math.max(1, sorted.length);
  return { samples: sorted.length, p50: at(0.5), p95: at(0.95), mean };
}

/** Times `fn` for `repeats` calls or until `budgetMs` passes (at least `minimum` calls). */
async function timeCalls(fn: () => Promise<void>, repeats: number, budgetMs: number, minimum = 3): Promise<number[]> {
  const samples: number[] = [];
  const started = performance.now();
  while (samples.length < repeats && (samples.length < minimum || performance.now() - started < budgetMs)) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

/** A deterministic pseudo-random history over the catalog (LCG), mixed outcomes, one event a minute. */
function syntheticHistory(length: number, itemCount: number, outcomes: number, seed: number): HistoryEvent[] {
  let state = seed >>> 0;
  const next = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
  const start = 1_700_000_000;
  return Array.from({ length }, (_, i) => ({ item: next() % itemCount, outcome: next() % outcomes, time: start + 60 * i }));
}

let peakBytes = 0;
function notePeak(): void {
  peakBytes = Math.max(peakBytes, tf.memory().numBytes);
}

/** Downloads the model's files for the reference measurements (outside the engine). */
async function fetchArtifacts(modelUrl: string): Promise<{ manifest: ModelManifest; files: Map<ArtifactRole, ArrayBuffer> }> {
  const manifest = parseManifest(await (await fetch(modelUrl)).text(), modelUrl);
  const files = new Map<ArtifactRole, ArrayBuffer>();
  for (const entry of manifest.files) {
    if (entry.role === 'weights' || entry.role === 'item-embeddings' || entry.role === 'sid-codes') {
      files.set(entry.role, await (await fetch(new URL(entry.path, modelUrl))).arrayBuffer());
    }
  }
  return { manifest, files };
}

/** Builds the engine's runtime from downloaded or stored artifacts (every engine in the benchmark). */
const createRuntime = (manifest: ModelManifest, files: Map<ArtifactRole, ArrayBuffer>): DecoderRuntime =>
  DecoderRuntime.fromArtifacts(manifest, files);

/**
 * One cold start on its own: a fresh database, a new engine, the model over the network, ready to
 * recommend; then the database is deleted. The driver calls it through its throttling proxy.
 */
export async function measureColdStart(config: Pick<BenchRunConfig, 'backend' | 'modelUrl'>): Promise<number> {
  const databaseName = `pocketrec-bench-cold-${config.backend}-${Date.now()}`;
  const t0 = performance.now();
  const engine = new Engine({ createRuntime });
  await engine.load({ modelUrl: config.modelUrl, backend: config.backend, allowFallback: false, databaseName });
  const ms = performance.now() - t0;
  await engine.deleteStorage();
  await engine.dispose();
  return ms;
}

/** Runs the whole benchmark for one backend and model. */
export async function runBench(config: BenchRunConfig, log: (line: string) => void): Promise<BenchRunResult> {
  peakBytes = 0;
  const databaseName = `pocketrec-bench-${config.backend}-${Date.now()}`;
  const loadOptions = { modelUrl: config.modelUrl, backend: config.backend, allowFallback: false, databaseName };

  // Cold start: empty database, the model comes over the network.
  let t0 = performance.now();
  const cold = new Engine({ createRuntime });
  const coldStatus = await cold.load(loadOptions);
  const coldStartMs = performance.now() - t0;
  notePeak();
  await cold.dispose();
  log(`${config.backend}: cold start ${coldStartMs.toFixed(0)} ms (${coldStatus.itemCount} items)`);

  // Warm start: same database, a new engine.
  t0 = performance.now();
  const engine = new Engine({ createRuntime });
  const status = await engine.load(loadOptions);
  const warmStartMs = performance.now() - t0;
  log(`${config.backend}: warm start ${warmStartMs.toFixed(0)} ms from ${status.modelSource}`);

  const outcomeCount = status.outcomes.length;
  const recommend: Record<string, LatencyStats> = {};
  let queriesPerCall = 0;
  for (const length of config.historyLengths) {
    const history = syntheticHistory(length, status.itemCount, outcomeCount, length);
    const events: RecordEvent[] = history.map((e) => ({
      itemId: String(e.item),
      outcome: status.outcomes[e.outcome]!,
      time: e.time,
    }));
    await engine.replaceHistory(events); // synthetic models have no catalog file: ids are "0".."N-1"
    const request = { k: config.k, horizon: 'all' as const, excludeSeen: true };
    for (let i = 0; i < 2; i++) queriesPerCall = (await engine.recommend(request)).queries; // warm-up (shader compile)
    const samples = await timeCalls(
      async () => {
        await engine.recommend(request);
        notePeak();
      },
      config.repeats,
      config.timeBudgetMs,
    );
    recommend[String(length)] = latencyStats(samples);
    log(
      `${config.backend}: recommend at history ${length}: p50 ${recommend[String(length)]!.p50.toFixed(1)} ms over ${samples.length} calls`,
    );
  }

  // The generative modes at history 50, when the model has a SID head.
  let sidRecommend: Record<string, LatencyStats> | undefined;
  if (status.sidAvailable) {
    sidRecommend = {};
    const history = syntheticHistory(50, status.itemCount, outcomeCount, 50);
    await engine.replaceHistory(
      history.map((e) => ({ itemId: String(e.item), outcome: status.outcomes[e.outcome]!, time: e.time })),
    );
    for (const mode of ['sid', 'sid+rerank'] as const) {
      const request = { k: config.k, horizon: 'all' as const, excludeSeen: true, mode };
      for (let i = 0; i < 2; i++) await engine.recommend(request); // warm-up (shader compile)
      const samples = await timeCalls(
        async () => {
          await engine.recommend(request);
          notePeak();
        },
        config.repeats,
        config.timeBudgetMs,
      );
      sidRecommend[mode] = latencyStats(samples);
      log(
        `${config.backend}: recommend mode ${mode} at history 50: p50 ${sidRecommend[mode]!.p50.toFixed(1)} ms over ${samples.length} calls`,
      );
    }
  }

  // Reference measurements on the same backend, same worker.
  const { manifest, files } = await fetchArtifacts(config.modelUrl);
  const runtime = DecoderRuntime.fromArtifacts(manifest, files);
  const queries = tf.randomNormal([queriesPerCall, runtime.embeddingDim], 0, 1, 'float32', 7) as tf.Tensor2D;
  const bare = async (): Promise<void> => {
    const top = scoreTopK(queries, runtime.itemEmbeddings, config.k);
    await Promise.all([top.values.data(), top.indices.data()]);
    tf.dispose([top.values, top.indices]);
    notePeak();
  };
  for (let i = 0; i < 2; i++) await bare();
  const lowerBound = latencyStats(await timeCalls(bare, config.repeats, config.timeBudgetMs));
  queries.dispose();

  const history200 = syntheticHistory(200, runtime.itemCount, outcomeCount, 200);
  const readQueries = async (session: ReturnType<DecoderRuntime['prefill']>): Promise<void> => {
    const q = runtime.queries(session, [{ outcome: outcomeCount - 1, horizon: 0 }]);
    await q.data();
    q.dispose();
  };
  const full = async (): Promise<void> => {
    const session = runtime.prefill(history200);
    await readQueries(session);
    notePeak();
    session.dispose();
  };
  let incrementalTokens = 0;
  const incrementalSamples: number[] = [];
  for (let i = 0; i < 2; i++) await full();
  const fullRecomputeMs = latencyStats(await timeCalls(full, config.repeats, config.timeBudgetMs));
  for (let i = 0; i < Math.max(3, Math.min(config.repeats, 10)); i++) {
    const session = runtime.prefill(history200.slice(0, 199));
    await readQueries(session);
    const t = performance.now();
    incrementalTokens = runtime.append(session, history200.slice(199));
    await readQueries(session);
    incrementalSamples.push(performance.now() - t);
    session.dispose();
  }
  const incrementalMs = latencyStats(incrementalSamples.slice(1)); // first append compiles its shapes
  const rerank = runtime.hasRankingHead ? await measureRerank(runtime, history200, config) : undefined;
  if (rerank)
    log(
      `${config.backend}: re-rank ${rerank.candidates} p50 ${rerank.rerankMs.p50.toFixed(1)} ms; retrieval ${rerank.retrievalMs.p50.toFixed(1)} ms; re-encode + rank ${rerank.reencodeMs.p50.toFixed(1)} ms`,
    );
  runtime.dispose();

  const ratioToLowerBound: Record<string, number> = {};
  for (const [length, stats] of Object.entries(recommend)) ratioToLowerBound[length] = stats.p50 / lowerBound.p50;
  await engine.deleteStorage();
  const adapter = status.adapter
    ? `${status.adapter.vendor} ${status.adapter.architecture}${status.adapter.isFallbackAdapter ? ' (software)' : ''}`
    : undefined;
  return {
    backend: config.backend,
    adapter,
    itemCount: status.itemCount,
    embeddingDim: status.embeddingDim,
    coldStartMs,
    warmStartMs,
    warmStartSource: status.modelSource,
    queriesPerCall,
    recommend,
    ...(sidRecommend ? { sidRecommend } : {}),
    lowerBound,
    ratioToLowerBound,
    fullRecomputeMs,
    incrementalMs,
    incrementalSpeedup: fullRecomputeMs.p50 / incrementalMs.p50,
    incrementalTokens,
    ...(rerank ? { rerank } : {}),
    peakTensorBytes: peakBytes,
    tensorsAfter: tf.memory().numTensors,
  };
}

/** Candidates re-ranked per call in the benchmark (UniPinRec's setting: the retrieved top 100). */
const RERANK_CANDIDATES = 100;

/** Re-ranking costs at history 200 on `runtime` (see `BenchRunResult.rerank`). */
async function measureRerank(
  runtime: DecoderRuntime,
  history: HistoryEvent[],
  config: BenchRunConfig,
): Promise<NonNullable<BenchRunResult['rerank']>> {
  const candidates = Array.from(
    { length: Math.min(RERANK_CANDIDATES, runtime.itemCount) },
    (_, i) => (i * 7919) % runtime.itemCount,
  );
  const top = runtime.outcomes.length - 1;
  const session = runtime.prefill(history);
  const rank = async (s: ReturnType<DecoderRuntime['prefill']>): Promise<void> => {
    const p = runtime.rankCandidates(s, candidates);
    await p.data();
    p.dispose();
    notePeak();
  };
  const retrieve = async (): Promise<void> => {
    const q = runtime.queries(session, [{ outcome: top, horizon: 0 }]);
    const found = scoreTopK(q, runtime.itemEmbeddings, candidates.length);
    await Promise.all([found.values.data(), found.indices.data()]);
    tf.dispose([q, found.values, found.indices]);
    notePeak();
  };
  const reencode = async (): Promise<void> => {
    const fresh = runtime.prefill(history);
    await rank(fresh);
    fresh.dispose();
  };
  try {
    for (let i = 0; i < 2; i++) {
      await rank(session);
      await retrieve();
      await reencode();
    }
    const rerankMs = latencyStats(await timeCalls(() => rank(session), config.repeats, config.timeBudgetMs));
    const retrievalMs = latencyStats(await timeCalls(retrieve, config.repeats, config.timeBudgetMs));
    const reencodeMs = latencyStats(await timeCalls(reencode, config.repeats, config.timeBudgetMs));
    return { candidates: candidates.length, rerankMs, retrievalMs, reencodeMs };
  } finally {
    session.dispose();
  }
}
