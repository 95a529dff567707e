/** The exposition checker (testkit's lintExposition) flags what promtool's promlint rules flag, and passes a clean page. */
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '@infermesh/common';
import { lintExposition } from '@infermesh/testkit';

const family = (name: string, type: string, ...samples: string[]) => [`# HELP ${name} what it is`, `# TYPE ${name} ${type}`, ...samples].join('\n');

describe('lintExposition', () => {
  it('passes the process metrics every infermesh service exports', async () => {
    const text = await createMetricsRegistry({ service: 'test' }).metrics();
    expect(text).toContain('infermesh_process_cpu_seconds_total');
    expect(text).toContain('infermesh_nodejs_active_handles{');
    expect(text).not.toContain('_active_handles_total');
    expect(lintExposition(text)).toEqual([]);
  });

  it('flags names, types, help, labels and histograms as promtool would', () => {
    const page = [
      family('ok_requests_total', 'counter', 'ok_requests_total{code="OK"} 3'),
      family('ok_duration_seconds', 'histogram', 'ok_duration_seconds_bucket{le="1"} 1', 'ok_duration_seconds_bucket{le="+Inf"} 2', 'ok_duration_seconds_sum 1.5', 'ok_duration_seconds_count 2'),
      family('nodejs_active_handles_total', 'gauge', 'nodejs_active_handles_total 3'),
      family('calls', 'counter', 'calls 1'),
      family('latency_ms', 'gauge', 'latency_ms 1'),
      family('wait_milliseconds', 'gauge', 'wait_milliseconds{runnerName="a"} 1'),
      family('broken_seconds', 'histogram', 'broken_seconds_bucket{le="1"} 3', 'broken_seconds_bucket{le="+Inf"} 2', 'broken_seconds_count 2', 'broken_seconds_sum 1'),
      'untyped_sample{a=1} 2',
    ].join('\n');
    expect(lintExposition(page).sort()).toEqual(
      [
        'nodejs_active_handles_total: non-counter metrics should not have "_total" suffix',
        'calls: counter metrics should have "_total" suffix',
        'latency_ms: metric names should not contain abbreviated units',
        'wait_milliseconds: use base units (seconds, bytes, ratio)',
        "line 21: wait_milliseconds: label name 'runnerName' should be snake_case",
        'broken_seconds[]: bucket counts are not cumulative',
        'line 28: untyped_sample: malformed labels {a=1}',
      ].sort(),
    );
  });
});
