import { describe, expect, it } from 'vitest';
import { ALTERNATING_PATHS, cpuUs, median, roundRatio, type AlternatingPath, type AlternatingRounds } from './alternating.js';
import type { BenchRow } from './report.js';

const row = (path: AlternatingPath, throughput: number, gatewayCpu: number): BenchRow => ({
  model: 'simple',
  concurrency: 64,
  path,
  requests: throughput,
  seconds: 1,
  throughput,
  p50Ms: 1,
  p99Ms: 2,
  maxMs: 3,
  processes: [{ process: 'gateway', pid: 1, peakRssMiB: 80, cpuUsPerRequest: gatewayCpu, mainThreadCpuUsPerRequest: gatewayCpu / 2 }],
});

/** Rounds in which every path serves `throughput[i]` calls/s in round i, the gateway's CPU `cpu[i]`. */
function rounds(throughput: number[], cpu: number[]): AlternatingRounds {
  return {
    model: 'simple',
    concurrency: 64,
    rounds: throughput.map((t, i) => Object.fromEntries(ALTERNATING_PATHS.map((path) => [path, row(path, path === 'gateway' ? t / 2 : t, cpu[i]!)])) as Record<AlternatingPath, BenchRow>),
  };
}

describe('alternating rounds', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('judges by the ratio within each round, so a round where the whole machine slowed down weighs like the others', () => {
    // Round 2 is three times slower for every path: the pooled figures move, the per-round ratio does not.
    const result = rounds([1000, 1000, 330], [100, 110, 300]);
    const ratio = roundRatio(result, (r) => r.gateway.throughput / r['grpc-echo'].throughput);
    expect(ratio.perRound).toEqual([0.5, 0.5, 0.5]);
    expect(ratio.median).toBe(0.5);
    expect(roundRatio(result, (r) => cpuUs(r.gateway, 'gateway', 'main')).perRound).toEqual([50, 55, 150]);
  });

  it('has no ratio without rounds', () => {
    expect(roundRatio(undefined, () => 1).median).toBeNaN();
    expect(cpuUs(row('gateway', 1, 1), 'runner')).toBeNaN();
  });
});
