/**
 * Issue 15 item 10: evaluating a model on a dataset it was not trained on fails up front with what differs
 * (it failed deep inside TF.js: "GatherV2: the index value 7372 is not in [0, 3705]"), and
 * DecoderRecommender.scoreBatch refuses score rows of another width.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { DecoderRecommender } from '../../../src/eval/decoder-recommender.ts';
import { Decoder, defaultDecoderConfig, initDecoderParams } from '../../../src/model/decoder.ts';
import { setupTrainingBackend } from '../../../src/train/backend.ts';
import { tinyModel } from '../../fixtures/engine/tiny-model.ts';
import { captureCliOutput } from '../cli-output.ts';

const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-mismatch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const output = captureCliOutput();

/** The tiny model (dataset "tiny", 40 items) written to a folder. */
async function modelDir(): Promise<string> {
  const dir = join(tmp, 'model');
  mkdirSync(dir, { recursive: true });
  const { bodies } = await tinyModel('https://x.test/m/');
  for (const [url, bytes] of bodies) writeFileSync(join(dir, basename(new URL(url).pathname)), bytes);
  return dir;
}

/** An events file with `items` distinct items (ids i1..), so item indices up to items-1 reach the model. */
function events(name: string, items: number): string {
  const rows = ['user,item'];
  for (let u = 0; u < 6; u++) for (let k = 0; k < 4; k++) rows.push(`u${u},i${((u * 4 + k) % items) + 1}`);
  for (let i = 1; i <= items; i++) rows.push(`z,i${i}`);
  const path = join(tmp, `${name}.csv`);
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}

describe('eval: model and dataset must match', () => {
  beforeAll(async () => {
    await setupTrainingBackend('wasm');
  });

  it('a model trained on another dataset / item count is refused before scoring (exit 2)', async () => {
    const dir = await modelDir();
    expect(await main(['eval', '--dataset', events('bigger', 60), '--model', join(dir, 'manifest.json')])).toBe(2);
    expect(output.stderr).toContain('was trained on dataset "tiny" with 40 items');
    expect(output.stderr).toContain('"bigger" has 60 items');
    expect(output.stderr).not.toMatch(/GatherV2|\n\s+at /);
    // Same item count under another name: still refused (ids would be matched by position).
    output.stderr = '';
    expect(await main(['eval', '--dataset', events('other', 40), '--model', join(dir, 'manifest.json')])).toBe(2);
    expect(output.stderr).toContain('"other" has 40 items');
  });

  it('DecoderRecommender.scoreBatch refuses an output sized for another item count', async () => {
    const config = defaultDecoderConfig({ itemCount: 10, outcomeCount: 1, dim: 8, maxLen: 4, timeFeatures: false });
    const params = initDecoderParams(config, 1);
    const rec = new DecoderRecommender('d', new Decoder(config, new Map(params)), null, [1]);
    const history = {
      user: 0,
      items: Int32Array.from([1, 2]),
      outcomes: new Uint8Array(2),
      times: new Float64Array(2).fill(NaN),
    };
    await expect(rec.scoreBatch([history], new Float32Array(12))).rejects.toThrow(
      /scores 10 items, but the output holds rows of 12/,
    );
    await expect(rec.scoreBatch([{ ...history, items: Int32Array.from([1, 11]) }], new Float32Array(10))).rejects.toThrow(
      /history item 11 is outside the model's 10 items/,
    );
    tf.dispose([...params.values()]);
  });
});
