import { describe, expect, it } from 'vitest';
import { fallbackReport } from '../../../src/engine/backend.ts';

describe('fallbackReport', () => {
  it('has no report when the first choice runs', () => {
    expect(fallbackReport('webgpu', 'webgpu', [])).toBeUndefined();
  });

  it('gives a deliberate skip of the software WebGPU adapter its own code', () => {
    const report = fallbackReport('webgpu', 'wasm', [{ backend: 'webgpu', reason: 'software fallback', deliberate: true }]);
    expect(report).toEqual({ code: 'SOFTWARE_GPU_SKIPPED', from: 'webgpu', to: 'wasm', reason: 'webgpu: software fallback' });
  });

  it('says BACKEND_UNAVAILABLE when any backend on the way could not run', () => {
    expect(fallbackReport('webgpu', 'wasm', [{ backend: 'webgpu', reason: 'navigator.gpu is missing' }])?.code).toBe(
      'BACKEND_UNAVAILABLE',
    );
    expect(
      fallbackReport('webgpu', 'webgl', [
        { backend: 'webgpu', reason: 'software fallback', deliberate: true },
        { backend: 'wasm', reason: 'failed to initialise' },
      ])?.code,
    ).toBe('BACKEND_UNAVAILABLE');
  });
});
