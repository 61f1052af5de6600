import os from 'node:os';

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface Latency {
  p50: number;
  p95: number;
  n: number;
}

export function latency(ms: number[]): Latency {
  return { p50: round(percentile(ms, 50)), p95: round(percentile(ms, 95)), n: ms.length };
}

export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function machine(): { cores: number; cpu: string; node: string; platform: string; memoryGB: number; freshMemoryMBps: number } {
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    memoryGB: round(os.totalmem() / 2 ** 30, 1),
    freshMemoryMBps: freshMemoryRate(),
  };
}

/**
 * MB/s at which the process can first write fresh memory. On some VMs (Firecracker with lazily
 * backed guest memory) this is a few hundred MB/s instead of many GB/s, and it then bounds loading
 * any index that must sit in memory (the 1.7 GB HNSW graph at 1M passages), whatever the code does.
 */
function freshMemoryRate(): number {
  const bytes = 256 * 2 ** 20;
  const t = performance.now();
  Buffer.allocUnsafeSlow(bytes).fill(1);
  return round(bytes / 2 ** 20 / ((performance.now() - t) / 1000), 0);
}

export const mb = (bytes: number): number => round(bytes / 2 ** 20, 1);
