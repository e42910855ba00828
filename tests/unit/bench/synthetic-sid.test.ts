import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSyntheticModel } from '../../../src/bench/synthetic-model.ts';
import { parseManifest, type ArtifactRole } from '../../../src/model/manifest.ts';
import { DecoderRuntime } from '../../../src/model/runtime.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('synthetic benchmark model with a SID head', () => {
  it('loads with an ID-only item representation and generates through its own PrefixMem', async () => {
    const raw = await buildSyntheticModel({ itemCount: 3000, dim: 16, blocks: 1, maxLen: 16, seed: 5, sidHead: true });
    const manifest = parseManifest(new TextDecoder().decode(raw.get('manifest.json')), 'synthetic');
    expect((manifest.model as { decoder: { usePrefixMem: boolean } }).decoder.usePrefixMem).toBe(false);
    const files = new Map<ArtifactRole, ArrayBuffer>(manifest.files.map((f) => [f.role, raw.get(f.path)!.slice().buffer]));
    const runtime = DecoderRuntime.fromArtifacts(manifest, files);
    expect(runtime.sidGenerator).toBeDefined();
    const session = runtime.prefill([
      { item: 1, outcome: 2, time: 1_700_000_000 },
      { item: 2, outcome: 1, time: 1_700_000_600 },
    ]);
    const queries = runtime.queries(session, [
      { outcome: 2, horizon: 0 },
      { outcome: 1, horizon: 2 },
    ]);
    const before = tf.memory().numTensors;
    const generated = await runtime.sidGenerator!.generate(queries, 10, (item) => item !== 1 && item !== 2);
    expect(tf.memory().numTensors).toBe(before); // nothing leaks per call
    expect(generated).toHaveLength(2);
    for (const g of generated) {
      expect(g.items.length).toBe(10);
      expect(new Set(g.items).size).toBe(10);
      for (const item of g.items) expect(item >= 0 && item < 3000 && item !== 1 && item !== 2).toBe(true);
    }
    queries.dispose();
    session.dispose();
    runtime.dispose();
    // Without the option the model has no SID head (the earlier benchmark rows' model).
    const plain = await buildSyntheticModel({ itemCount: 50, dim: 16, blocks: 1, maxLen: 16 });
    expect(new TextDecoder().decode(plain.get('manifest.json'))).not.toContain('sidHead');
  });
});
