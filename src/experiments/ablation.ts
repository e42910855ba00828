/**
 * Issue 4's ablation: PrefixMem vs plain per-level code embeddings on the next-item SID task
 * (src/experiments/sid-task.ts), at matched training steps on identical batches.
 *
 * Reported per variant on the leave-one-out TEST targets (history = everything before the target,
 * i.e. train + validation events): teacher-forced accuracy at every SID position (the deepest
 * quantization level is position L - 1; the last position is the disambiguation code), and full-SID
 * recall@10 / @100 from prefix-constrained beam search (width = max k).
 *
 * Variants: 'plain' (per-level code embeddings, head context = last prefix position), 'plain-sum'
 * (plain, head context = sum of all prefix positions: a stronger baseline that sees every prefix
 * code additively), 'prefixmem' (context = last prefix position), and optionally
 * 'prefixmem+pretrain' (PrefixMem first pre-trained alone on next-code prediction over the catalog;
 * its pre-training steps come on top of the matched task steps).
 */
import * as tf from '@tensorflow/tfjs-core';
import { leaveOneOutSplit } from '../data/splits.ts';
import type { Dataset } from '../data/types.ts';
import { prefixMemConfigFor } from '../model/prefixmem.ts';
import { pretrainPrefixMem } from './pretrain.ts';
import { SeededRng } from '../util/rng.ts';
import { ExampleSampler, SidPredictor, trainSidPredictor, type SidExample, type SidTaskConfig } from './sid-task.ts';
import type { SidTable } from '../sid/sid-table.ts';
import type { SidTrie } from '../sid/trie.ts';

/** Ablation settings. */
export interface SidAblationConfig {
  task: SidTaskConfig;
  /** Training steps per variant (matched). */
  steps: number;
  /** Test users evaluated (a seeded sample; all when >= the number of test users). */
  evalUsers: number;
  /** Beam width (also the largest k of recall@k). */
  beamWidth: number;
  /** PrefixMem pre-training steps for the extra 'prefixmem+pretrain' variant (0 = skip that variant). */
  pretrainSteps: number;
}

/** One variant's numbers. */
export interface SidVariantResult {
  variant: string;
  parameters: number;
  steps: number;
  finalLoss: number;
  trainSeconds: number;
  /** Teacher-forced accuracy per SID position. */
  accuracy: number[];
  recallAt10: number;
  recallAt100: number;
  evalSeconds: number;
}

/** Runs the ablation for one dataset with its SID table and trie. */
export function runSidAblation(
  dataset: Dataset,
  table: SidTable,
  trie: SidTrie,
  config: SidAblationConfig,
  log: (line: string) => void = () => {},
  onResult: (result: SidVariantResult, evalUsers: number, trainExamples: number) => void = () => {},
): { evalUsers: number; trainExamples: number; results: SidVariantResult[] } {
  const split = leaveOneOutSplit(dataset.sequences);
  const train = split.train.map((s) => s.items);
  const rng = new SeededRng(config.task.seed + 17);
  const cases = split.test.filter((c) => c.history.items.length > 0);
  const chosen = cases.length <= config.evalUsers ? cases : sample(cases, config.evalUsers, rng);
  const examples: SidExample[] = chosen.map((c) => ({ history: c.history.items, target: c.targets.items[0]! }));
  const variants: { name: string; useMemory: boolean; pretrain: boolean; context: 'last' | 'sum' }[] = [
    { name: 'plain', useMemory: false, pretrain: false, context: 'last' },
    { name: 'plain-sum', useMemory: false, pretrain: false, context: 'sum' },
    { name: 'prefixmem', useMemory: true, pretrain: false, context: 'last' },
  ];
  if (config.pretrainSteps > 0) variants.push({ name: 'prefixmem+pretrain', useMemory: true, pretrain: true, context: 'last' });
  const results: SidVariantResult[] = [];
  let trainExamples = 0;
  for (const v of variants) {
    const model = new SidPredictor(table, prefixMemConfigFor(table, { useMemory: v.useMemory }), {
      ...config.task,
      context: v.context,
    });
    const sampler = new ExampleSampler(train, config.task.seed);
    trainExamples = sampler.size;
    let t = performance.now();
    if (v.pretrain) {
      pretrainPrefixMem(
        model.mem,
        table,
        { steps: config.pretrainSteps, batchSize: 512, learningRate: config.task.learningRate, seed: config.task.seed },
        (step, loss) => log(`  [${v.name}] pretrain step ${step}: loss ${loss.toFixed(4)}`),
      );
    }
    const losses = trainSidPredictor(
      model,
      sampler,
      config.steps,
      (step, loss) => log(`  [${v.name}] step ${step}: loss ${loss.toFixed(4)}`),
      Math.max(1, Math.floor(config.steps / 10)),
    );
    const trainSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const correct = model.teacherForcedCorrect(examples);
    let hit10 = 0;
    let hit100 = 0;
    const chunk = 32;
    for (let s = 0; s < examples.length; s += chunk) {
      const part = examples.slice(s, s + chunk);
      const ranked = model.generate(
        trie,
        part.map((e) => e.history),
        config.beamWidth,
      );
      part.forEach((e, i) => {
        const pos = ranked[i]!.indexOf(e.target);
        if (pos >= 0 && pos < 10) hit10++;
        if (pos >= 0 && pos < 100) hit100++;
      });
    }
    const result: SidVariantResult = {
      variant: v.name,
      parameters: model.trainableVariables().reduce((s, x) => s + x.size, 0),
      steps: config.steps,
      finalLoss: losses[losses.length - 1] ?? NaN,
      trainSeconds,
      accuracy: correct.map((c) => c / examples.length),
      recallAt10: hit10 / examples.length,
      recallAt100: hit100 / examples.length,
      evalSeconds: (performance.now() - t) / 1000,
    };
    log(
      `  [${v.name}] acc per position ${result.accuracy.map((a) => a.toFixed(4)).join(' ')}; recall@10 ${result.recallAt10.toFixed(4)} @100 ${result.recallAt100.toFixed(4)} (train ${trainSeconds.toFixed(0)} s, eval ${result.evalSeconds.toFixed(0)} s, tensors ${tf.memory().numTensors})`,
    );
    results.push(result);
    onResult(result, examples.length, trainExamples);
    model.dispose();
  }
  return { evalUsers: examples.length, trainExamples, results };
}

function sample<T>(items: T[], count: number, rng: SeededRng): T[] {
  const copy = [...items];
  for (let i = 0; i < count; i++) {
    const j = i + rng.nextInt(copy.length - i);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, count);
}
