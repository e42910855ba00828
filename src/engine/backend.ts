/**
 * Backend selection with fallback and a reason.
 *
 * `auto` tries, in order: WebGPU on a hardware adapter, wasm, WebGL, cpu. A software WebGPU adapter
 * (SwiftShader; `isFallbackAdapter` or architecture `swiftshader`) is skipped under `auto`: it is
 * correct but 10-400x slower than wasm on the same CPU (docs/benchmarks, notes). An explicit
 * preference is tried first, then the same ladder below it; the report says what was asked, what
 * runs, and why it differs. With `allowFallback: false` a failing preference throws
 * `BackendUnavailableError` instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError } from '../errors/errors.ts';
import type { AdapterReport, BackendName, BackendPreference, FallbackReport } from './protocol.ts';

/** The outcome of selection. */
export interface BackendSelection {
  backend: BackendName;
  requested: BackendPreference;
  adapter?: AdapterReport;
  fallback?: FallbackReport;
  /** Every backend tried before the chosen one, with why it was not used. */
  skipped: SkippedBackend[];
}

/** A backend not used, and why; `deliberate` when it works but `auto` chose not to use it. */
export interface SkippedBackend {
  backend: BackendName;
  reason: string;
  deliberate?: boolean;
}

/**
 * The fallback report for running `chosen` after `skipped` (undefined when the first choice runs).
 * Its code is `SOFTWARE_GPU_SKIPPED` when every skip was deliberate, else `BACKEND_UNAVAILABLE`.
 */
export function fallbackReport(first: BackendName, chosen: BackendName, skipped: SkippedBackend[]): FallbackReport | undefined {
  if (chosen === first) return undefined;
  return {
    code: skipped.every((s) => s.deliberate) ? 'SOFTWARE_GPU_SKIPPED' : 'BACKEND_UNAVAILABLE',
    from: first,
    to: chosen,
    reason: skipped.map((s) => `${s.backend}: ${s.reason}`).join('; '),
  };
}

const LADDER: BackendName[] = ['webgpu', 'wasm', 'webgl', 'cpu'];

/** Reads the adapter description (Chrome >= 114 has `adapter.info`; older ones `requestAdapterInfo()`). */
async function describeAdapter(adapter: GPUAdapter): Promise<AdapterReport> {
  const legacy = adapter as GPUAdapter & { requestAdapterInfo?: () => Promise<GPUAdapterInfo>; isFallbackAdapter?: boolean };
  const info: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean } =
    adapter.info ?? (await legacy.requestAdapterInfo?.()) ?? {};
  const report: AdapterReport = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    isFallbackAdapter: Boolean(info.isFallbackAdapter ?? legacy.isFallbackAdapter),
  };
  if (/swiftshader|llvmpipe|lavapipe|software/i.test(`${report.architecture} ${report.description} ${report.device}`))
    report.isFallbackAdapter = true;
  return report;
}

/** The WebGPU adapter, or why there is none. */
export async function probeWebGPU(): Promise<{ adapter?: AdapterReport; reason?: string }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu)
    return {
      reason:
        'navigator.gpu is missing: this browser or context has no WebGPU (e.g. Firefox/Safari without the flag, or Chrome on Linux without --enable-unsafe-webgpu)',
    };
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter)
      return {
        reason: 'navigator.gpu.requestAdapter() returned null: no usable GPU adapter (blocklisted driver or WebGPU disabled)',
      };
    return { adapter: await describeAdapter(adapter) };
  } catch (error) {
    return { reason: `requestAdapter() failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

async function trySetBackend(name: BackendName): Promise<string | undefined> {
  try {
    if (name === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
    if (name === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
    if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
    if (name === 'wasm') {
      const { configureWasm } = await import('./wasm-paths.ts'); // registers the wasm backend too
      configureWasm();
    }
    const ok = await tf.setBackend(name);
    if (!ok) return `tf.setBackend('${name}') failed to initialise`;
    await tf.ready();
    return undefined;
  } catch (error) {
    return `${name} failed to initialise: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Candidate order for a preference. */
export function backendLadder(preference: BackendPreference): BackendName[] {
  if (preference === 'auto') return LADDER;
  return [preference, ...LADDER.filter((b) => b !== preference)];
}

/** Selects and initialises a backend (see the module comment). */
export async function selectBackend(preference: BackendPreference = 'auto', allowFallback = true): Promise<BackendSelection> {
  if (!['auto', ...LADDER].includes(preference)) {
    throw new BackendUnavailableError(`Unknown backend "${preference}"; use one of auto, webgpu, wasm, webgl, cpu.`, {
      requested: preference,
    });
  }
  const ladder = allowFallback || preference === 'auto' ? backendLadder(preference) : [preference as BackendName];
  const skipped: SkippedBackend[] = [];
  let adapter: AdapterReport | undefined;
  for (const candidate of ladder) {
    if (candidate === 'webgpu') {
      const probe = await probeWebGPU();
      adapter = probe.adapter;
      if (!probe.adapter) {
        skipped.push({ backend: 'webgpu', reason: probe.reason ?? 'no adapter' });
        continue;
      }
      if (preference === 'auto' && probe.adapter.isFallbackAdapter) {
        skipped.push({
          backend: 'webgpu',
          reason: `the WebGPU adapter is a software fallback (${probe.adapter.architecture || probe.adapter.description || 'software'}), slower than wasm on this machine; ask for backend 'webgpu' explicitly to use it anyway`,
          deliberate: true,
        });
        continue;
      }
    }
    const failure = await trySetBackend(candidate);
    if (failure) {
      skipped.push({ backend: candidate, reason: failure });
      continue;
    }
    const fallback = fallbackReport(ladder[0]!, candidate, skipped);
    return { backend: candidate, requested: preference, adapter, fallback, skipped };
  }
  throw new BackendUnavailableError(
    `No TF.js backend could be initialised (${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}). ${allowFallback ? '' : 'Allow fallback (allowFallback: true) or pick another backend.'}`.trim(),
    { requested: preference, tried: skipped.map((s) => s.backend) },
  );
}

/**
 * Calls `onLost` with the reason when the WebGPU device behind the current backend is lost (driver
 * reset, GPU process crash). Nothing to watch on other backends.
 */
export function watchDeviceLoss(selection: BackendSelection, onLost: (reason: string) => void): void {
  if (selection.backend !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: GPUDevice }).device;
  device?.lost.then((info) => onLost(info.message || info.reason || 'unknown reason'));
}
