/**
 * The evaluation loop every quality number in the project goes through: an EvalRecommender scores the FULL catalog
 * for a batch of histories, and the loop turns the score rows into ranks and top-k lists (src/eval/metrics.ts),
 * masked and unmasked, with progress reporting and an optional top-100 TSV for independent re-computation.
 */
import type { EvalCase, EventSlice } from '../data/splits.ts';
import type { Dataset, UserSequence } from '../data/types.ts';
import { CoherenceMetric, type CoherenceConfig, type CoherenceSummary } from './coherence.ts';
import { coverageAt, RankMetrics, rankOf, RecallMetrics, topK } from './metrics.ts';

/** One history to score. */
export interface UserHistory extends EventSlice {
  /** Dense user index. */
  user: number;
  /**
   * For outcome-conditioned models: the outcome (index into Dataset.outcomes) the recommendations should serve,
   * set when EvaluateOptions.condition asks for it; undefined means "no preference".
   */
  outcome?: number;
}

/** What a model sees before scoring: the dataset (catalog, vocabularies) and the training part of the split. */
export interface FitContext {
  dataset: Dataset;
  /** Training prefix per user (indexed by user). */
  train: UserSequence[];
  /** Validation cases (history = train prefix), for early stopping / tuning. */
  validation: EvalCase[];
}

/** A model or baseline the harness can evaluate. */
export interface EvalRecommender {
  /** Short name for tables and result files. */
  readonly name: string;
  /** Learns from the training split (optional: pre-trained models skip it). */
  fit?(context: FitContext): Promise<void> | void;
  /**
   * Scores every catalog item for each history: `out[b * itemCount + item]`, higher = better. `out` holds
   * exactly `histories.length * itemCount` floats and is reused between calls (overwrite every entry).
   */
  scoreBatch(histories: UserHistory[], out: Float32Array): Promise<void>;
  /** Histories per scoreBatch call (default 256). */
  readonly batchSize?: number;
  /** Releases resources (e.g. tensors) once evaluation is over. */
  dispose?(): void;
}

/** Progress of an evaluation, reported after every batch. */
export interface EvalProgress {
  done: number;
  total: number;
  elapsedSeconds: number;
  usersPerSecond: number;
}

export interface EvaluateOptions {
  /** Catalog size (the width of every score row). */
  itemCount: number;
  /** Cut-offs for HR/NDCG/Recall/Coverage (default [10, 50]). */
  ks?: number[];
  /** Overrides the recommender's batch size. */
  batchSize?: number;
  onProgress?: (progress: EvalProgress) => void;
  /**
   * Compute ordered top-k lists (Recall@k, per-outcome recall, Coverage@k, topList). Default true; false gives
   * only the rank metrics (HR/NDCG/MRR) at about half the cost, e.g. for tuning sweeps.
   */
  lists?: boolean;
  /** Outcome names (Dataset.outcomes) for the per-outcome table. */
  outcomeNames?: string[];
  /**
   * Outcome conditioning: `target` sets each history's `outcome` to the (first) target's outcome (matched
   * conditioning); `mismatched` to the next outcome after it, cyclically over `outcomeNames` (a deliberately
   * wrong request, for the matched-vs-mismatched comparison); a number requests that outcome for every case;
   * undefined leaves it unset.
   */
  condition?: 'target' | 'mismatched' | number;
  /**
   * Writes each case's masked top-`size` (default 100) to `sink` as TSV `user\trank\titem\tscore` with raw ids
   * and 1-based ranks. In Node `topListFile(path)` (node-top-list.ts) writes `<path>.partial`, renamed when complete.
   */
  topList?: { sink: TopListSink; userIds: string[]; itemIds: string[]; size?: number };
  /**
   * Adds `Coherence@k` (src/eval/coherence.ts) to both tables and `EvalResult.coherence`: the share of each
   * case's top k sharing an attribute with the loved items of its history. Needs lists (ignored with lists: false).
   */
  coherence?: CoherenceConfig;
}

/** Where `topList` text goes: written in order, then committed (complete) or discarded (failed run). */
export interface TopListSink {
  open(): Promise<void>;
  write(text: string): Promise<void>;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/** Metric table of one evaluation view (masked or unmasked). */
export type MetricTable = Record<string, number>;

export interface EvalResult {
  cases: number;
  /** Ranking over all items. */
  unmasked: MetricTable;
  /** Ranking with the user's history items (except the targets) removed from the candidates. */
  masked: MetricTable;
  /** Recall@k per target outcome, masked and unmasked. */
  perOutcome: { masked: Record<string, MetricTable>; unmasked: Record<string, MetricTable> };
  wallSeconds: number;
  usersPerSecond: number;
  /** Counted and skipped cases of Coherence@k, when EvaluateOptions.coherence asked for it. */
  coherence?: CoherenceSummary;
}

function requestedOutcome(
  condition: EvaluateOptions['condition'],
  targetOutcome: number,
  outcomeCount: number,
): number | undefined {
  if (condition === 'target') return targetOutcome;
  if (condition === 'mismatched') {
    if (outcomeCount < 2) throw new Error('mismatched conditioning needs outcomeNames with at least two outcomes');
    return (targetOutcome + 1) % outcomeCount;
  }
  return condition;
}

/**
 * The usual sequence: `fit` the recommender on the split's training part, then evaluate it on the test (or
 * validation) cases over the dataset's whole catalog, with the dataset's outcome names.
 */
export async function fitAndEvaluate(
  recommender: EvalRecommender,
  dataset: Dataset,
  split: { train: UserSequence[]; validation: EvalCase[]; test: EvalCase[] },
  options: Omit<EvaluateOptions, 'itemCount'> & { part?: 'test' | 'validation' } = {},
): Promise<EvalResult> {
  await recommender.fit?.({ dataset, train: split.train, validation: split.validation });
  const cases = options.part === 'validation' ? split.validation : split.test;
  return evaluate(recommender, cases, { outcomeNames: dataset.outcomes, ...options, itemCount: dataset.catalog.ids.length });
}

/**
 * The shortest decimal that reads back as the same float32 (at most 9 significant digits), so distinct scores
 * stay distinct in the TSV (7 fixed digits merged some) and 0.7f prints as 0.7.
 */
export function float32Text(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  for (let p = 1; p < 9; p++) {
    const text = Number(value.toPrecision(p));
    if (Math.fround(text) === value) return String(text);
  }
  return String(Number(value.toPrecision(9)));
}

/**
 * The top list as written to the TSV: `list` (best first, ties by lower index) with the target moved behind
 * every item tied with it, i.e. to its pessimistic rank `rank` (the metrics' tie rule), or left out when that
 * rank is past `size`. So the TSV's rank column gives exactly the rank HR/NDCG use.
 */
export function tiedTargetLast(list: Int32Array, target: number, rank: number, size: number): Int32Array {
  const others = list.filter((item) => item !== target);
  if (rank >= size) return others.slice(0, size);
  const out = new Int32Array(Math.min(size, others.length + 1));
  out.set(others.subarray(0, rank));
  out[rank] = target;
  out.set(others.subarray(rank, out.length - 1), rank + 1);
  return out;
}

/** Evaluates `recommender` on `cases` over the full catalog (see module doc and metrics.ts for the rules). */
export async function evaluate(recommender: EvalRecommender, cases: EvalCase[], options: EvaluateOptions): Promise<EvalResult> {
  const itemCount = options.itemCount;
  const ks = (options.ks ?? [10, 50]).slice().sort((a, b) => a - b);
  // One item more than the top list shows: the list drops the target when its ties push it out.
  const listSize = Math.min(
    itemCount,
    Math.max(
      ks[ks.length - 1]!,
      options.topList ? (options.topList.size ?? 100) + 1 : 0,
      options.coherence ? (options.coherence.k ?? 20) : 0,
    ),
  );
  const batchSize = Math.max(1, options.batchSize ?? recommender.batchSize ?? 256);
  const outcomeNames = options.outcomeNames ?? [];
  const wantLists = options.lists !== false || options.topList !== undefined;
  const coherenceMasked = wantLists && options.coherence ? new CoherenceMetric(options.coherence) : undefined;
  const coherenceUnmasked = coherenceMasked ? new CoherenceMetric(options.coherence!) : undefined;

  const rankMasked = new RankMetrics(ks);
  const rankUnmasked = new RankMetrics(ks);
  const recallMasked = new RecallMetrics(ks);
  const recallUnmasked = new RecallMetrics(ks);
  const coverageLists: { masked: Int32Array[]; unmasked: Int32Array[] } = { masked: [], unmasked: [] };
  const maxK = ks[ks.length - 1]!;

  const stamps = new Int32Array(itemCount);
  const excluded: number[] = [];
  const targetStamp = new Int32Array(itemCount);
  let out = new Float32Array(Math.min(batchSize, cases.length) * itemCount);

  const topList = options.topList;
  const sink = topList?.sink;
  if (sink) await sink.open();
  const start = performance.now();
  let caseStamp = 0;
  try {
    for (let b0 = 0; b0 < cases.length; b0 += batchSize) {
      const batch = cases.slice(b0, b0 + batchSize);
      const histories: UserHistory[] = batch.map((c) => ({
        user: c.user,
        ...c.history,
        outcome: requestedOutcome(options.condition, c.targets.outcomes[0]!, outcomeNames.length),
      }));
      if (out.length !== batch.length * itemCount) out = new Float32Array(batch.length * itemCount);
      out.fill(0);
      await recommender.scoreBatch(histories, out);

      let tsv = '';
      for (let b = 0; b < batch.length; b++) {
        const c = batch[b]!;
        const offset = b * itemCount;
        caseStamp++;
        for (let t = 0; t < c.targets.items.length; t++) targetStamp[c.targets.items[t]!] = caseStamp;
        excluded.length = 0;
        for (let h = 0; h < c.history.items.length; h++) {
          const item = c.history.items[h]!;
          if (targetStamp[item] === caseStamp || stamps[item] === caseStamp) continue;
          stamps[item] = caseStamp;
          excluded.push(item);
        }
        const target = c.targets.items[0]!;
        const maskedRank = rankOf(out, target, itemCount, offset, excluded);
        rankUnmasked.add(rankOf(out, target, itemCount, offset));
        rankMasked.add(maskedRank);

        if (!wantLists) continue;
        const listUnmasked = topK(out, listSize, itemCount, offset);
        const listMasked = topK(out, listSize, itemCount, offset, stamps, caseStamp);
        recallUnmasked.add(listUnmasked, c.targets.items, c.targets.outcomes);
        recallMasked.add(listMasked, c.targets.items, c.targets.outcomes);
        coverageLists.unmasked.push(listUnmasked.slice(0, maxK));
        coverageLists.masked.push(listMasked.slice(0, maxK));
        coherenceMasked?.add(c.history, listMasked);
        coherenceUnmasked?.add(c.history, listUnmasked);

        if (topList) {
          const listed = tiedTargetLast(listMasked, target, maskedRank, topList.size ?? 100);
          const userId = topList.userIds[c.user]!;
          for (let r = 0; r < listed.length; r++) {
            const item = listed[r]!;
            tsv += `${userId}\t${r + 1}\t${topList.itemIds[item]}\t${float32Text(out[offset + item]!)}\n`;
          }
        }
      }
      if (sink && tsv) await sink.write(tsv);
      const done = Math.min(cases.length, b0 + batch.length);
      const elapsed = (performance.now() - start) / 1000;
      options.onProgress?.({
        done,
        total: cases.length,
        elapsedSeconds: elapsed,
        usersPerSecond: done / Math.max(elapsed, 1e-9),
      });
    }
    if (sink) await sink.commit();
  } catch (error) {
    if (sink) await sink.discard();
    throw error;
  }

  const wallSeconds = (performance.now() - start) / 1000;
  const table = (rank: RankMetrics, recall: RecallMetrics, lists: Int32Array[], coherence?: CoherenceMetric): MetricTable => {
    const t: MetricTable = rank.result();
    if (!wantLists) return t;
    Object.assign(t, recall.result());
    for (const k of ks) t[`Coverage@${k}`] = coverageAt(lists, k, itemCount);
    if (coherence) {
      t[`Coherence@${coherence.k}`] = coherence.value();
      t[`Coherence3@${coherence.k}`] = coherence.valueTop();
    }
    return t;
  };
  return {
    cases: cases.length,
    unmasked: table(rankUnmasked, recallUnmasked, coverageLists.unmasked, coherenceUnmasked),
    masked: table(rankMasked, recallMasked, coverageLists.masked, coherenceMasked),
    perOutcome: {
      masked: recallMasked.perOutcomeResult(outcomeNames),
      unmasked: recallUnmasked.perOutcomeResult(outcomeNames),
    },
    wallSeconds,
    usersPerSecond: cases.length / Math.max(wallSeconds, 1e-9),
    ...(coherenceMasked ? { coherence: coherenceMasked.summary() } : {}),
  };
}
