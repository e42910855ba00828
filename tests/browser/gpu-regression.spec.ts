/**
 * GPU regression suite (`npm run test:gpu`; also part of `npm test`): every stage of a recommendation
 * on WebGPU against the cpu reference, for the shipped model and a synthetic 100k-item catalog.
 *
 * Correctness fails hard, at these tolerances (error = |webgpu - cpu| / max(1, |cpu|)):
 *   embedding lookup 1e-4 (the ID-embedding gather is an exact copy, but with PrefixMem the item
 *   representation adds a projected memory lookup, a matmul), PrefixMem 1e-4, decoder forward 1e-3, heads 1e-3,
 *   scoring 1e-4, SID head (log-probabilities of one level) 1e-3; top-k, SID generation (beam search
 *   with the SID head) and the engine's final list must be identical.
 * Timings never fail: they are compared with tests/gpu-baselines/<vendor>-<architecture>.json, a
 * baseline recorded on the same adapter, and flagged when WebGPU is more than 1.5x slower.
 * Record a baseline: POCKETREC_RECORD_GPU_BASELINE=1 npm run test:gpu.
 * The report (adapter, per-stage errors and timings, flags) goes to test-results/gpu-report.json.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import type { RegressionRun, StageReport } from '../pages/gpu-regression.ts';

const TOLERANCE: Record<string, number> = {
  'embedding lookup': 1e-4,
  PrefixMem: 1e-4,
  'decoder forward': 1e-3,
  heads: 1e-3,
  scoring: 1e-4,
  'ranking head': 1e-3,
  'SID head': 1e-3,
};
const EXACT_LISTS = ['top-k', 'SID generation', 'full recommend'];
const SLOWER_MARGIN = 1.5;
const MODELS = ['/models/ml-latest-small/manifest.json', 'synthetic:100000'];
const REPORT = 'test-results/gpu-report.json';

interface Baseline {
  adapter: string;
  recordedAt: string;
  /** model -> stage -> WebGPU ms */
  webgpuMs: Record<string, Record<string, number>>;
}

const runs: RegressionRun[] = [];
const flags: string[] = [];

function adapterKey(run: RegressionRun): string {
  const a = run.adapter;
  return a
    ? `${a.vendor || 'unknown'}-${a.architecture || 'unknown'}`.replace(/[^a-z0-9_-]+/gi, '_').toLowerCase()
    : 'no-adapter';
}

function checkStage(model: string, stage: StageReport): void {
  const tolerance = TOLERANCE[stage.stage];
  if (tolerance !== undefined) {
    expect(stage.maxRelError, `${model}: ${stage.stage} max rel error ${stage.maxRelError} > ${tolerance}`).toBeLessThanOrEqual(
      tolerance,
    );
  } else if (EXACT_LISTS.includes(stage.stage)) {
    expect(stage.identical, `${model}: ${stage.stage} lists differ (overlap ${stage.overlap})`).toBe(true);
  } else {
    throw new Error(`no tolerance stated for stage ${stage.stage}`);
  }
}

for (const model of MODELS) {
  test(`every stage agrees between WebGPU and cpu: ${model}`, async ({ page }) => {
    test.setTimeout(600_000);
    await page.goto('/tests/pages/gpu-regression.html');
    await expect(page.locator('#status')).toHaveText('ready');
    const run = await page.evaluate((m) => window.gpuRegression.run(m), model);
    runs.push(run);
    expect(run.adapter, 'no WebGPU adapter').toBeDefined();
    console.log(`[gpu] ${run.model} (${run.itemCount} items) on ${JSON.stringify(run.adapter)}`);
    for (const stage of run.stages) {
      const list =
        stage.overlap !== undefined ? `, overlap ${(stage.overlap * 100).toFixed(1)}%, identical ${stage.identical}` : '';
      console.log(
        `[gpu]   ${stage.stage.padEnd(17)} max abs ${stage.maxAbsError.toExponential(2)}, max rel ${stage.maxRelError.toExponential(2)}${list}; ` +
          `cpu ${stage.ms.cpu.toFixed(1)} ms, webgpu ${stage.ms.webgpu.toFixed(1)} ms${stage.path ? ` (${stage.path})` : ''}`,
      );
    }
    expect(run.stages.map((s) => s.stage)).toEqual([
      ...Object.keys(TOLERANCE).slice(0, 4),
      ...(run.rankingHead ? ['ranking head'] : []),
      'scoring',
      'top-k',
      'SID head',
      'SID generation',
      'full recommend',
    ]);
    for (const stage of run.stages) checkStage(run.model, stage);
  });
}

test.afterAll(() => {
  if (runs.length === 0) return;
  const key = adapterKey(runs[0]!);
  const baselinePath = `tests/gpu-baselines/${key}.json`;
  const current: Record<string, Record<string, number>> = {};
  for (const run of runs) current[run.model] = Object.fromEntries(run.stages.map((s) => [s.stage, s.ms.webgpu]));
  let baseline: Baseline | undefined;
  if (existsSync(baselinePath)) {
    baseline = JSON.parse(readFileSync(baselinePath, 'utf8')) as Baseline;
    for (const [model, stages] of Object.entries(current)) {
      for (const [stage, ms] of Object.entries(stages)) {
        const before = baseline.webgpuMs[model]?.[stage];
        if (before !== undefined && before > 1 && ms > before * SLOWER_MARGIN) {
          flags.push(
            `SLOWER: ${model} / ${stage}: ${ms.toFixed(1)} ms vs baseline ${before.toFixed(1)} ms (> ${SLOWER_MARGIN}x)`,
          );
        }
      }
    }
    console.log(
      `[gpu] timings compared with ${baselinePath} (recorded ${baseline.recordedAt}): ${flags.length ? flags.join('; ') : 'no stage slower than 1.5x'}`,
    );
  } else {
    console.log(
      `[gpu] no timing baseline for adapter "${key}"; record one with POCKETREC_RECORD_GPU_BASELINE=1 npm run test:gpu`,
    );
  }
  if (process.env.POCKETREC_RECORD_GPU_BASELINE === '1') {
    const record: Baseline = { adapter: key, recordedAt: new Date().toISOString(), webgpuMs: current };
    writeFileSync(baselinePath, `${JSON.stringify(record, null, 2)}\n`);
    console.log(`[gpu] recorded baseline ${baselinePath}`);
  }
  mkdirSync('test-results', { recursive: true });
  writeFileSync(
    REPORT,
    `${JSON.stringify({ date: new Date().toISOString(), adapterKey: key, tolerances: TOLERANCE, exactLists: EXACT_LISTS, slowerMargin: SLOWER_MARGIN, baseline: baseline ? baselinePath : null, flags, runs }, null, 2)}\n`,
  );
  console.log(`[gpu] report written to ${REPORT}`);
});
