/**
 * A Prometheus histogram read from counts the gateway already keeps on its latency scale,
 * instead of one more histogram observed on every call. Its `le` bounds are bounds of the
 * scale, so each exported bucket is exact, not estimated.
 */
import type { Metric, Registry } from 'prom-client';
import { LATENCY_BOUNDS_MS } from './latency-scale.js';

/** One labelled series: counts per bucket of the latency scale, their sum and their total. */
export interface ScaleSeries {
  labels: Record<string, string>;
  counts: ArrayLike<number>;
  sumSeconds: number;
  count: number;
}

/** How the histogram is named and where its series come from. */
export interface ScaleHistogramOptions {
  name: string;
  help: string;
  /** Upper bounds in seconds; each must be a bound of the latency scale. */
  bucketsSeconds: readonly number[];
  series(): Iterable<ScaleSeries>;
}

/** Registers the histogram on `registry`; it is computed at each scrape. */
export function registerScaleHistogram(registry: Registry, options: ScaleHistogramOptions): void {
  const indices = options.bucketsSeconds.map((seconds) => {
    const index = LATENCY_BOUNDS_MS.indexOf(seconds * 1000);
    if (index < 0) throw new Error(`${options.name}: bucket ${seconds} s is not a bound of the latency scale`);
    return index;
  });
  const values = () => {
    const out: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
    for (const { labels, counts, sumSeconds, count } of options.series()) {
      let cumulative = 0;
      let next = 0;
      for (let i = 0; i < indices.length; i++) {
        for (; next <= indices[i]!; next++) cumulative += counts[next]!;
        out.push({ metricName: `${options.name}_bucket`, labels: { ...labels, le: options.bucketsSeconds[i]! }, value: cumulative });
      }
      out.push({ metricName: `${options.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count });
      out.push({ metricName: `${options.name}_sum`, labels, value: sumSeconds });
      out.push({ metricName: `${options.name}_count`, labels, value: count });
    }
    return out;
  };
  const metric = {
    name: options.name,
    help: options.help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => ({ name: options.name, help: options.help, type: 'histogram', aggregator: 'sum', values: values() }),
    // Counts belong to the gateway's traffic, which a registry reset does not clear.
    reset: () => undefined,
  };
  // The registry reads a metric through get(); this one has no prom-client class behind it.
  registry.registerMetric(metric as unknown as Metric);
}
