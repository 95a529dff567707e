import { describe, expect, it } from 'vitest';
import { latencyBucket } from './latency-scale.js';
import { RollingWindow } from './RollingWindow.js';

describe('RollingWindow', () => {
  it('summarises the last minute: rate, error rate and p99 within 13 %', () => {
    let now = 1_000_000;
    const window = new RollingWindow(() => now);
    for (let i = 0; i < 990; i++) window.record(latencyBucket(2), false);
    for (let i = 0; i < 10; i++) window.record(latencyBucket(100), true, i < 4);
    const summary = window.summary();
    expect(summary.calls).toBe(1000);
    expect(summary.errors).toBe(10);
    expect(summary.serverErrors).toBe(4);
    expect(summary.errorRate).toBeCloseTo(0.01);
    // All in the window's first second: the rate is over one second, not sixty.
    expect(summary.rate).toBe(1000);
    expect(summary.p99Ms).toBeGreaterThanOrEqual(2);
    expect(summary.p99Ms).toBeLessThan(2.2);
    now += 1000;
    window.record(latencyBucket(50), false);
    const [previous, latest] = window.summary().series.slice(-2);
    expect(previous!.calls).toBe(1000);
    expect(latest!.calls).toBe(1);
    expect(previous!.errors).toBe(10);
    expect(latest!.errors).toBe(0);
    expect(latest!.p99Ms).toBeGreaterThanOrEqual(50);
    expect(latest!.p99Ms).toBeLessThan(55);
  });

  it('forgets calls older than a minute', () => {
    let now = 5_000_000;
    const window = new RollingWindow(() => now);
    window.record(latencyBucket(1), true);
    now += 59_000;
    expect(window.summary().calls).toBe(1);
    expect(window.summary().rate).toBeCloseTo(1 / 60);
    now += 1_000;
    expect(window.summary()).toMatchObject({ calls: 0, errors: 0, serverErrors: 0, errorRate: 0, p99Ms: 0, rate: 0 });
  });
});
