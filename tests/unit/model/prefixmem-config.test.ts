import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PREFIXMEM_CONFIG,
  prefixMemConfigFor,
  prefixMemConfigFromManifest,
  type StoredPrefixMemConfig,
} from '../../../src/model/prefixmem.ts';

const shipped = JSON.parse(readFileSync('public/models/ml-latest-small/manifest.json', 'utf8')) as {
  sid: { sidLength: number; codebookSize: number; disambiguationSize: number };
  embeddingDim: number;
  model: { prefixMem: StoredPrefixMemConfig };
};

describe('PrefixMem config (one prefixMemConfigFor; the manifest form)', () => {
  it('derives positions and code rows from the SID table, defaults for the rest, overrides last', () => {
    const table = { sidLength: 4, codebookSize: 8, disambiguationSize: 11 };
    expect(prefixMemConfigFor(table)).toEqual({ ...DEFAULT_PREFIXMEM_CONFIG, levels: 4, codebookSize: 11 });
    const custom = prefixMemConfigFor(table, { dim: 16, useMemory: false, tableSize: 64 });
    expect([custom.dim, custom.useMemory, custom.tableSize, custom.levels]).toEqual([16, false, 64, 4]);
    custom.ngramOrders.push(4); // a config owns its arrays
    expect(DEFAULT_PREFIXMEM_CONFIG.ngramOrders).toEqual([1, 2, 3]);
  });

  it('what pocketrec train builds for the shipped demo model is the config stored in its manifest', () => {
    const stored = prefixMemConfigFromManifest(shipped.model.prefixMem);
    expect(prefixMemConfigFor(shipped.sid, { dim: shipped.embeddingDim })).toEqual(stored);
  });

  it('reads the older usePrefixMem name of useMemory, and rejects a config with neither', () => {
    const { useMemory: _, ...base } = DEFAULT_PREFIXMEM_CONFIG;
    expect(prefixMemConfigFromManifest({ ...base, usePrefixMem: false }).useMemory).toBe(false);
    expect(prefixMemConfigFromManifest({ ...base, usePrefixMem: true }).useMemory).toBe(true);
    expect(prefixMemConfigFromManifest({ ...base, useMemory: false })).toEqual({ ...DEFAULT_PREFIXMEM_CONFIG, useMemory: false });
    expect('usePrefixMem' in prefixMemConfigFromManifest({ ...base, usePrefixMem: true })).toBe(false);
    expect(() => prefixMemConfigFromManifest(base)).toThrow(/useMemory must be true or false/);
  });
});
