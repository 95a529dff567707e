import { describe, expect, it } from 'vitest';
import { compareForwarding, compareRunnerCalls, formatForwarding, formatRunnerCalls } from './forwarding-comparison.js';
import type { BenchPath, BenchRow } from './report.js';

function row(path: BenchPath, concurrency: number, throughput: number, p50Ms: number, gatewayCpuUs: number, runnerMainThreadCpuUs = Number.NaN): BenchRow {
  const gateway = { process: 'gateway', pid: 1, peakRssMiB: 50, cpuUsPerRequest: gatewayCpuUs, mainThreadCpuUsPerRequest: gatewayCpuUs };
  const runner = { process: 'runner', pid: 2, peakRssMiB: 80, cpuUsPerRequest: runnerMainThreadCpuUs * 2, mainThreadCpuUsPerRequest: runnerMainThreadCpuUs };
  return { model: 'simple', concurrency, path, requests: 100, seconds: 1, throughput, p50Ms, p99Ms: p50Ms * 2, maxMs: p50Ms * 3, processes: [gateway, runner] };
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

describe('compareRunnerCalls', () => {
  it('puts the Exchange stream over a stream per call at each concurrency that has both rows, the runner\'s main thread too', () => {
    const rows = [row('gateway-http2-streams', 64, 2000, 30, 260, 150), row('gateway-http2', 64, 2600, 20, 195, 90), row('gateway-http2', 1, 500, 1, 400, 300)];
    const [c64, ...others] = compareRunnerCalls(rows, 'simple');
    expect(others).toEqual([]);
    expect(c64).toMatchObject({ concurrency: 64, throughputRatio: 1.3, p50Ratio: 2 / 3, gatewayCpuRatio: 0.75, runnerMainThreadCpuRatio: 0.6 });
    expect(formatRunnerCalls([c64!])).toBe(
      'runner calls at c=64 (http2): exchange 2600 vs a stream each 2000 calls/s (1.30×), p50 20.000 vs 30.000 ms (0.67×), gateway CPU 195 vs 260 µs/call (0.75×), runner main thread 90 vs 150 µs/call (0.60×)',
    );
  });
});
