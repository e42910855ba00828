/**
 * Issue 13: `pocketrec train --init-from <model>` starts from an exported model's weights, and refuses
 * (exit 1, nothing trained or written) a model whose shape differs from the run's.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { defaultDecoderConfig, initDecoderParams } from '../../../src/model/decoder.ts';
import { loadDecoderFromDisk } from '../../../src/train/load-model.ts';
import { warmStart, WarmStartError } from '../../../src/train/warm-start.ts';
import { captureCliOutput } from '../cli-output.ts';

const EVENTS = resolve(import.meta.dirname, '../../fixtures/data/generic/events.csv');
const tmp = mkdtempSync(join(tmpdir(), 'pocketrec-warm-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const output = captureCliOutput();
const small = ['--epochs', '1', '--dim', '8', '--maxlen', '8', '--negatives', '4'];

let first: string;
beforeAll(async () => {
  first = join(tmp, 'first');
  expect(await main(['train', '--dataset', EVENTS, ...small, '--out', first]), output.stderr).toBe(0);
});

describe('--init-from', () => {
  it("copies every weight of the model into the run's variables", async () => {
    const loaded = await loadDecoderFromDisk(first);
    const config = loaded.section.decoder;
    const vars = initDecoderParams(config, 99); // another seed: different values before the warm start
    const name = 'blocks.0.ffn.in.kernel';
    const exported = (await readParam(first, name)).slice();
    expect(Array.from(vars.get(name)!.dataSync())).not.toEqual(Array.from(exported));
    expect(await warmStart(first, config, vars)).toBe(loaded.manifest.modelVersion);
    expect(Array.from(vars.get(name)!.dataSync())).toEqual(Array.from(exported));
    loaded.dispose();
    for (const v of vars.values()) v.dispose();
  });

  it('refuses a model of another shape, changing nothing', async () => {
    const loaded = await loadDecoderFromDisk(first);
    const config = defaultDecoderConfig({ ...loaded.section.decoder, dim: 16, heads: 1 });
    loaded.dispose();
    const vars = initDecoderParams(config, 1);
    const before = Array.from(vars.get('item.id_embedding')!.dataSync());
    await expect(warmStart(first, config, vars)).rejects.toThrow(WarmStartError);
    await expect(warmStart(first, config, vars)).rejects.toThrow(/its dim is 8, this run's 16/);
    expect(Array.from(vars.get('item.id_embedding')!.dataSync())).toEqual(before);
    for (const v of vars.values()) v.dispose();
  });

  it('the CLI trains on from the model; another shape exits 1 and writes nothing; --resume is a usage error', async () => {
    const second = join(tmp, 'second');
    expect(await main(['train', '--dataset', EVENTS, ...small, '--init-from', first, '--out', second]), output.stderr).toBe(0);
    expect(output.stderr).toMatch(/initialised from .*first \(model [0-9a-f]+\)/);
    expect(existsSync(join(second, 'manifest.json'))).toBe(true);

    const third = join(tmp, 'third');
    const bad = ['--epochs', '1', '--dim', '16', '--maxlen', '8', '--negatives', '4', '--init-from', first, '--out', third];
    expect(await main(['train', '--dataset', EVENTS, ...bad])).toBe(1);
    expect(output.stderr).toMatch(/--init-from .*its dim is 8/);
    expect(existsSync(third)).toBe(false);

    const resumed = ['--checkpoint', join(tmp, 'ckpt'), '--resume', '--init-from', first, '--out', third];
    expect(await main(['train', '--dataset', EVENTS, ...small, ...resumed])).toBe(2);
    expect(output.stderr).toMatch(/--init-from starts a new run/);
  });
});

/** One float32 parameter of an exported model, read back through the loader. */
async function readParam(dir: string, name: string): Promise<Float32Array> {
  const loaded = await loadDecoderFromDisk(dir);
  const values = (loaded.decoder as unknown as { params: Map<string, tf.Tensor> }).params.get(name)!.dataSync() as Float32Array;
  const copy = Float32Array.from(values);
  loaded.dispose();
  return copy;
}
