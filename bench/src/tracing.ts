/**
 * Tracing rows: a model through the gateway with the tracing SDK off (OTEL_SDK_DISABLED) and
 * with every span sampled and exported over OTLP/HTTP to a span counter in this process.
 * They run with the same warm-up, window, model, concurrency and mesh as the main `gateway`
 * row (the defaults: SDK on, nothing sampled), each the first row of a fresh mesh like it,
 * so the three compare tracing and nothing else. The settings go to every service.
 */
import { startBenchMesh } from './bench-mesh.js';
import { BENCH, grpcRow } from './hop-rows.js';
import { withChild, type Window } from './measure.js';
import type { BenchPath, BenchRow } from './report.js';
import { startSpanCounter } from './span-counter.js';
import { checkInferResponse, type BenchModel } from './targets.js';

/** What the tracing section found. */
export interface TracingSummary {
  /** The gateway-sdk-disabled row, then the gateway-traced row. */
  rows: [BenchRow, BenchRow];
  /** Spans the traced mesh's services exported, from its readiness probe to its shutdown (the only mesh that exports). */
  spansExported: number;
}

export async function tracingRows(repository: string, model: BenchModel, concurrency: number, window: Window): Promise<TracingSummary> {
  const receiver = await startSpanCounter();
  const rows: BenchRow[] = [];
  let spansExported = 0;
  try {
    const settings: [BenchPath, Record<string, string>][] = [
      ['gateway-sdk-disabled', { OTEL_SDK_DISABLED: 'true' }],
      ['gateway-traced', { OTEL_TRACES_SAMPLER: 'always_on', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint }],
    ];
    for (const [path, env] of settings) {
      await withChild(
        () => startBenchMesh({ repository, models: [{ name: model.name, probe: model.requestBytes }], env }),
        async (mesh) => {
          const involved = [BENCH, ...mesh.gatewayPath];
          const check = (response: Buffer) => checkInferResponse(model, response);
          rows.push(await grpcRow({ model: model.name, concurrency, path }, mesh.gateway, model.requestBytes, check, involved, window));
        },
      );
    }
    // Counted once the traced mesh has stopped: its services flush what their exporters still held on the way out.
    spansExported = receiver.count();
  } finally {
    await receiver.close();
  }
  return { rows: rows as [BenchRow, BenchRow], spansExported };
}
