/**
 * Tracing overhead: `mlp` through the gateway at concurrency 64 with tracing off
 * (OTEL_SDK_DISABLED) and on (sampler always_on, every span exported over OTLP/HTTP to a
 * span counter in this process), same request bytes, same mesh shape.
 */
import { MODEL_INFER_PATH } from '@infermesh/proto';
import { startBenchMesh } from './bench-mesh.js';
import { atLeast, measure, withChild, type Window } from './measure.js';
import type { BenchRow } from './report.js';
import { startSpanCounter } from './span-counter.js';
import { RawCaller, type BenchModel } from './targets.js';

/** Both rows run at least this long, whatever the run's window. */
const WINDOW: Window = { warmupSeconds: 1, measureSeconds: 4 };

/** What the tracing section found. */
export interface TracingSummary {
  rows: BenchRow[];
  /** Throughput with tracing on ÷ off. */
  throughputRatio: number;
  /** Spans the receiver got during the traced row. */
  spansExported: number;
}

export async function tracingRows(repository: string, model: BenchModel, options: Window): Promise<TracingSummary> {
  const window = atLeast(options, WINDOW);
  const receiver = await startSpanCounter();
  const rows: BenchRow[] = [];
  let spansExported = 0;
  try {
    const settings: [BenchRow['path'], Record<string, string>][] = [
      ['gateway', { OTEL_SDK_DISABLED: 'true' }],
      ['gateway-traced', { OTEL_TRACES_SAMPLER: 'always_on', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }],
    ];
    for (const [label, env] of settings) {
      await withChild(
        () => startBenchMesh({ modelRepository: repository, env }),
        async (mesh) => {
          const target = new RawCaller(mesh.gateway, MODEL_INFER_PATH, model.requestBytes);
          try {
            await target.call();
            const before = receiver.count();
            const involved = [
              { process: 'bench', pid: process.pid },
              { process: 'gateway', pid: mesh.gatewayProcess.child.pid! },
              { process: 'runner', pid: mesh.runner.child.pid! },
            ];
            rows.push(await measure(model.name, 64, label, involved, async () => void (await target.call()), window));
            if (label === 'gateway-traced') spansExported = receiver.count() - before;
          } finally {
            target.close();
          }
        },
      );
    }
  } finally {
    await receiver.close();
  }
  return { rows, throughputRatio: rows[1]!.throughput / rows[0]!.throughput, spansExported };
}
