/** The engine's status in plain words for the header (the technical detail stays one click away). */
import type { DemoStatus } from './engine-port.ts';

/** The backend choices the settings offer, in the order shown. */
export const BACKEND_CHOICES: { value: DemoStatus['requestedBackend']; label: string }[] = [
  { value: 'auto', label: 'Automatic (recommended)' },
  { value: 'webgpu', label: 'Graphics card (WebGPU)' },
  { value: 'wasm', label: 'Processor (WebAssembly)' },
  { value: 'cpu', label: 'Processor, plain JavaScript (slowest)' },
];

/** E.g. "Running on your CPU (WebGPU here is emulated and slower)". */
export function engineSentence(status: DemoStatus): string {
  if (status.backend === 'webgpu') {
    return status.softwareAdapter
      ? 'Running on WebGPU emulated by your processor (slower than the CPU setting)'
      : 'Running on your graphics card (WebGPU)';
  }
  if (status.backend === 'webgl') return 'Running on your graphics card (WebGL)';
  const cpu = status.backend === 'cpu' ? 'Running on your CPU (plain JavaScript, slow)' : 'Running on your CPU';
  if (status.requestedBackend === status.backend) return `${cpu}, as chosen in Settings`;
  if (status.requestedBackend === 'auto') {
    if (status.softwareAdapter) return `${cpu} (WebGPU here is emulated and slower)`;
    if (!status.fallback) return cpu;
    return `${cpu} (this browser offers no WebGPU)`;
  }
  return `${cpu}: the ${status.requestedBackend === 'webgpu' ? 'graphics card (WebGPU)' : status.requestedBackend} setting could not start here`;
}
