/**
 * Issue 15 item 12: the --top100 TSV and the metrics agree exactly, also with score ties. The metrics rank a
 * target pessimistically (behind every item with an equal score); the TSV lists tied items so that the target
 * comes last among its ties, so HR/NDCG recomputed from the TSV's rank column equal the harness's.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { EvalCase } from '../../../src/data/splits.ts';
import { evaluate, type EvalRecommender } from '../../../src/eval/evaluate.ts';
import { topListFile } from '../../../src/eval/node-top-list.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-ties-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const I = 150;
/** Scores with heavy ties: score = -floor(item / 7) + a per-user shift for a few items, in float32 steps. */
const tied: EvalRecommender = {
  name: 'tied',
  async scoreBatch(histories, out) {
    histories.forEach((h, b) => {
      for (let item = 0; item < I; item++) out[b * I + item] = -Math.floor(item / 7) + ((item * 31 + h.user) % 5 === 0 ? 3 : 0);
    });
  },
};

function cases(): EvalCase[] {
  return Array.from({ length: 60 }, (_, u) => {
    const history = [u % I, (u * 7 + 3) % I, (u * 11 + 5) % I];
    const target = (u * 13 + 2) % I;
    const items = Int32Array.from(history.filter((i) => i !== target));
    return {
      user: u,
      history: { items, outcomes: new Uint8Array(items.length), times: new Float64Array(items.length).fill(Number.NaN) },
      targets: { items: Int32Array.from([target]), outcomes: Uint8Array.from([0]), times: Float64Array.from([Number.NaN]) },
    };
  });
}

describe('--top100 tie rule', () => {
  it('HR@10/50 and NDCG@10/50 recomputed from the TSV equal the harness metrics exactly', async () => {
    const path = join(tmp, 'top.tsv');
    const all = cases();
    const userIds = all.map((c) => `u${c.user}`);
    const itemIds = Array.from({ length: I }, (_, i) => `i${i}`);
    const result = await evaluate(tied, all, {
      itemCount: I,
      ks: [10, 50],
      topList: { sink: topListFile(path), userIds, itemIds, size: 100 },
    });
    const rows = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows).toHaveLength(all.length * 100);
    const sums = { 'HR@10': 0, 'NDCG@10': 0, 'HR@50': 0, 'NDCG@50': 0 };
    let tiesAtTarget = 0;
    for (const c of all) {
      const list = rows.filter((r) => r[0] === `u${c.user}`);
      expect(list.map((r) => Number(r[1]))).toEqual(Array.from({ length: 100 }, (_, r) => r + 1));
      // Scores never increase down the list.
      for (let r = 1; r < list.length; r++) expect(Number(list[r]![3])).toBeLessThanOrEqual(Number(list[r - 1]![3]));
      const hit = list.find((r) => r[2] === `i${c.targets.items[0]}`);
      if (hit && list.some((r) => r !== hit && r[3] === hit[3])) tiesAtTarget++;
      for (const k of [10, 50] as const) {
        const rank = hit ? Number(hit[1]) - 1 : Infinity;
        if (rank < k) {
          sums[`HR@${k}`] += 1;
          sums[`NDCG@${k}`] += 1 / Math.log2(rank + 2);
        }
      }
    }
    expect(tiesAtTarget).toBeGreaterThan(10); // the scenario really has ties at the targets
    for (const [name, sum] of Object.entries(sums)) expect(sum / all.length, name).toBeCloseTo(result.masked[name]!, 12);
  });
});
