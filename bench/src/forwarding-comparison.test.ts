import { describe, expect, it } from 'vitest';
import { compareForwarding, formatForwarding } from './forwarding-comparison.js';
import type { BenchPath, BenchRow } from './report.js';

function row(path: BenchPath, concurrency: number, throughput: number, p50Ms: number, gatewayCpuUs: number): BenchRow {
  const gateway = { process: 'gateway', pid: 1, peakRssMiB: 50, cpuUsPerRequest: gatewayCpuUs, mainThreadCpuUsPerRequest: gatewayCpuUs };
  return { model: 'simple', concurrency, path, requests: 100, seconds: 1, throughput, p50Ms, p99Ms: p50Ms * 2, maxMs: p50Ms * 3, processes: [gateway] };
}

describe('compareForwarding', () => {
  it('puts http2 over grpc-js at each concurrency that has both rows', () => {
    const rows = [row('gateway-grpc-js', 1, 100, 2, 400), row('gateway-http2', 1, 125, 1.5, 300), row('gateway-grpc-js', 64, 1000, 50, 200), row('gateway', 64, 1, 1, 1)];
    const [c1, ...others] = compareForwarding(rows, 'simple');
    expect(others).toEqual([]);
    expect(c1).toMatchObject({ concurrency: 1, throughputRatio: 1.25, p50Ratio: 0.75, gatewayCpuRatio: 0.75 });
  });

  it('prints a missing figure as a dash', () => {
    const text = formatForwarding(compareForwarding([row('gateway-grpc-js', 64, 0, Number.NaN, Number.NaN), row('gateway-http2', 64, 90, 5, 100)], 'simple'), 'grpc-js');
    expect(text).toContain('http2 90 vs grpc-js 0 calls/s (-×)');
    expect(text).toContain('forward with grpc-js');
  });
});
