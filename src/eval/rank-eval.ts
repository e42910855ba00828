/**
 * Evaluation of the ranking head (`pocketrec eval --rank <N>`): for each held-out target, the
 * model's retrieval top N (full ranking over all items, history masked as in `evaluate`) is re-ranked
 * by the ranking head's p(interaction) from the history's KV cache, and HR@10 / NDCG@10 / HR@3 are
 * reported for the retrieval order and the re-ranked order, with the share of targets inside the top
 * N. Outcome prediction on the targets: AUC of p(love) vs p(dislike) (targets whose outcome is one of
 * the two) against item-mean and user-mean outcome baselines, and the outcome log-loss against the
 * training base rate and the item-mean rate.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { EvalCase } from '../data/splits.ts';
import type { UserSequence } from '../data/types.ts';
import type { Decoder } from '../model/decoder.ts';
import type { RankingHead } from '../model/ranking-head.ts';
import { packHistories } from '../model/tokens.ts';
import { DecoderRecommender } from './decoder-recommender.ts';

/** Ranking metrics of one order of the candidates. */
export interface RankOrderMetrics {
  'HR@10': number;
  'NDCG@10': number;
  'HR@3': number;
}

/** AUC of one scorer separating two outcomes. */
export interface OutcomeAuc {
  positive: string;
  negative: string;
  /** Targets with either outcome, and how many had the positive one. */
  cases: number;
  positives: number;
  model: number;
  itemMean: number;
  userMean: number;
}

/** What `evaluateRanking` reports. */
export interface RankEvalResult {
  cases: number;
  candidates: number;
  /** Share of targets inside the retrieval top N (re-ranking cannot find the others). */
  inCandidates: number;
  retrieval: RankOrderMetrics;
  reranked: RankOrderMetrics;
  /** Absent when the dataset lacks a `love` or `dislike` outcome. */
  auc?: OutcomeAuc;
  /** Mean -log p(target outcome | interaction) over all targets. */
  logLoss: { cases: number; model: number; baseRate: number; itemMean: number };
}

/** Options of `evaluateRanking`. */
export interface RankEvalOptions {
  candidates: number;
  outcomeNames: string[];
  /** Training sequences (by user): the item-mean baselines and base rate come from them. */
  train: UserSequence[];
  /** Outcome prior of the model (its training frequencies), for the retrieval mixture score. */
  outcomePrior: number[];
  /** Histories scored per retrieval call (default 64). */
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Mann-Whitney AUC of scores of positives vs negatives (ties count half). */
export function auc(positives: number[], negatives: number[]): number {
  if (positives.length === 0 || negatives.length === 0) return Number.NaN;
  const all = [...positives.map((s) => ({ s, p: 1 })), ...negatives.map((s) => ({ s, p: 0 }))].sort((a, b) => a.s - b.s);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j]!.s === all[i]!.s) j++;
    const mid = (i + j + 1) / 2; // average 1-based rank of the tie group
    for (let t = i; t < j; t++) if (all[t]!.p === 1) rankSum += mid;
    i = j;
  }
  const n1 = positives.length;
  return (rankSum - (n1 * (n1 + 1)) / 2) / (n1 * negatives.length);
}

function orderMetrics(ranks: number[]): RankOrderMetrics {
  const n = Math.max(1, ranks.length);
  let hr10 = 0;
  let ndcg = 0;
  let hr3 = 0;
  for (const r of ranks) {
    if (r < 0) continue;
    if (r < 10) {
      hr10++;
      ndcg += 1 / Math.log2(r + 2);
    }
    if (r < 3) hr3++;
  }
  return { 'HR@10': hr10 / n, 'NDCG@10': ndcg / n, 'HR@3': hr3 / n };
}

/**
 * Runs the ranking evaluation over `cases` (one target each: the first of `targets`). `table` is the
 * model's unit retrieval table.
 */
export async function evaluateRanking(
  decoder: Decoder,
  head: RankingHead,
  table: tf.Tensor2D,
  cases: EvalCase[],
  options: RankEvalOptions,
): Promise<RankEvalResult> {
  const I = decoder.config.itemCount;
  const O = decoder.config.outcomeCount;
  const N = Math.min(options.candidates, I);
  const love = options.outcomeNames.indexOf('love');
  const dislike = options.outcomeNames.indexOf('dislike');
  // Outcome counts per item over training, and the base rate.
  const itemCounts = new Float64Array(I * O);
  const base = new Float64Array(O);
  for (const s of options.train)
    for (let e = 0; e < s.items.length; e++) {
      itemCounts[s.items[e]! * O + s.outcomes[e]!]!++;
      base[s.outcomes[e]!]!++;
    }
  const baseTotal = base.reduce((a, b) => a + b, 0);
  const baseRate = Array.from(base, (c) => (baseTotal > 0 ? c / baseTotal : 1 / O));
  /** Item outcome distribution, smoothed toward the base rate (1 pseudo-count per outcome share). */
  const itemRate = (item: number, o: number): number => {
    let total = 0;
    for (let j = 0; j < O; j++) total += itemCounts[item * O + j]!;
    return (itemCounts[item * O + o]! + baseRate[o]!) / (total + 1);
  };

  const retriever = new DecoderRecommender('decoder', decoder, table, options.outcomePrior);
  const batch = options.batchSize ?? 64;
  const retrievalRanks: number[] = [];
  const rerankedRanks: number[] = [];
  const aucScores = { model: [[], []] as number[][], item: [[], []] as number[][], user: [[], []] as number[][] };
  let logModel = 0;
  let logBase = 0;
  let logItem = 0;
  let outcomeCases = 0;
  const usable = cases.filter((c) => c.history.items.length > 0 && c.targets.items.length > 0);
  const scores = new Float32Array(batch * I);
  for (let start = 0; start < usable.length; start += batch) {
    const chunk = usable.slice(start, start + batch);
    const rows = scores.subarray(0, chunk.length * I);
    rows.fill(0);
    await retriever.scoreBatch(
      chunk.map((c) => ({ ...c.history, user: c.user })),
      rows,
    );
    for (let b = 0; b < chunk.length; b++) {
      const c = chunk[b]!;
      const target = c.targets.items[0]!;
      const targetOutcome = c.targets.outcomes[0]!;
      const row = rows.subarray(b * I, (b + 1) * I);
      // Masked protocol: history items (other than the target) are never candidates.
      const seen = new Set<number>(c.history.items);
      seen.delete(target);
      const order: number[] = [];
      for (let i = 0; i < I; i++) if (!seen.has(i)) order.push(i);
      order.sort((x, y) => row[y]! - row[x]! || x - y);
      const top = order.slice(0, N);
      const inTop = top.indexOf(target);
      const scored = inTop >= 0 ? top : [...top, target];
      const { tokens } = packHistories([c.history], decoder.config.maxLen, decoder.config.timeFeatures);
      const { hidden, caches } = decoder.forwardIncremental(tokens, null);
      hidden.dispose();
      const probs = head.score(caches, scored);
      const p = (await probs.data()) as Float32Array;
      probs.dispose();
      tf.dispose(caches.flatMap((x) => [x.keys, x.values]));
      const classes = O + 1;
      retrievalRanks.push(inTop);
      if (inTop >= 0) {
        const reranked = top
          .map((item, r) => ({ r, item, s: 1 - p[r * classes]! }))
          .sort((x, y) => y.s - x.s || x.r - y.r)
          .findIndex((x) => x.item === target);
        rerankedRanks.push(reranked);
      } else rerankedRanks.push(-1);
      // Outcome prediction for the target item.
      const t = inTop >= 0 ? inTop : scored.length - 1;
      const tp = p.subarray(t * classes, (t + 1) * classes);
      const interacted = Math.max(1e-12, 1 - tp[0]!);
      logModel += -Math.log(Math.max(1e-12, tp[targetOutcome + 1]! / interacted));
      logBase += -Math.log(Math.max(1e-12, baseRate[targetOutcome]!));
      logItem += -Math.log(Math.max(1e-12, itemRate(target, targetOutcome)));
      outcomeCases++;
      if (love >= 0 && dislike >= 0 && (targetOutcome === love || targetOutcome === dislike)) {
        const k = targetOutcome === love ? 0 : 1;
        aucScores.model[k]!.push(tp[love + 1]! / Math.max(1e-12, tp[love + 1]! + tp[dislike + 1]!));
        const il = itemRate(target, love);
        aucScores.item[k]!.push(il / (il + itemRate(target, dislike)));
        let ul = 0;
        let ud = 0;
        for (const o of c.history.outcomes) {
          if (o === love) ul++;
          if (o === dislike) ud++;
        }
        aucScores.user[k]!.push((ul + 1) / (ul + ud + 2));
      }
    }
    options.onProgress?.(Math.min(usable.length, start + batch), usable.length);
  }
  const result: RankEvalResult = {
    cases: usable.length,
    candidates: N,
    inCandidates: retrievalRanks.filter((r) => r >= 0).length / Math.max(1, usable.length),
    retrieval: orderMetrics(retrievalRanks),
    reranked: orderMetrics(rerankedRanks),
    logLoss: {
      cases: outcomeCases,
      model: logModel / Math.max(1, outcomeCases),
      baseRate: logBase / Math.max(1, outcomeCases),
      itemMean: logItem / Math.max(1, outcomeCases),
    },
  };
  if (love >= 0 && dislike >= 0)
    result.auc = {
      positive: 'love',
      negative: 'dislike',
      cases: aucScores.model[0]!.length + aucScores.model[1]!.length,
      positives: aucScores.model[0]!.length,
      model: auc(aucScores.model[0]!, aucScores.model[1]!),
      itemMean: auc(aucScores.item[0]!, aucScores.item[1]!),
      userMean: auc(aucScores.user[0]!, aucScores.user[1]!),
    };
  return result;
}

/** The printed report of `pocketrec eval --rank`. */
export function formatRankEval(r: RankEvalResult): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : '-');
  const lines = [
    `re-ranking the retrieval top ${r.candidates} with the ranking head (p(interaction)), ${r.cases} users, history masked:`,
    `  targets inside the top ${r.candidates}: ${f(r.inCandidates)}`,
    `  ${'order'.padEnd(10)} ${'HR@10'.padStart(8)} ${'NDCG@10'.padStart(8)} ${'HR@3'.padStart(8)}`,
    `  ${'retrieval'.padEnd(10)} ${f(r.retrieval['HR@10']).padStart(8)} ${f(r.retrieval['NDCG@10']).padStart(8)} ${f(r.retrieval['HR@3']).padStart(8)}`,
    `  ${'reranked'.padEnd(10)} ${f(r.reranked['HR@10']).padStart(8)} ${f(r.reranked['NDCG@10']).padStart(8)} ${f(r.reranked['HR@3']).padStart(8)}`,
  ];
  if (r.auc)
    lines.push(
      `outcome AUC, p(${r.auc.positive}) vs p(${r.auc.negative}) on ${r.auc.cases} targets (${r.auc.positives} ${r.auc.positive}): ` +
        `model ${f(r.auc.model)}, item-mean ${f(r.auc.itemMean)}, user-mean ${f(r.auc.userMean)}`,
    );
  lines.push(
    `outcome log-loss on ${r.logLoss.cases} targets: model ${f(r.logLoss.model)}, base rate ${f(r.logLoss.baseRate)}, item-mean ${f(r.logLoss.itemMean)}`,
  );
  return lines.join('\n');
}
