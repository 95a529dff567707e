/**
 * The traced row: a model through the gateway with every span sampled and exported over
 * OTLP/HTTP to a span counter in this process, with the same warm-up, window, model,
 * concurrency and mesh as the main `gateway` row (the defaults: SDK on, nothing sampled), on
 * a fresh mesh like it. The settings go to every service. (The defaults against
 * OTEL_SDK_DISABLED=true are measured in alternating rounds: alternating.ts.)
 */
import { startBenchMesh } from './bench-mesh.js';
import { BENCH, grpcRow } from './hop-rows.js';
import { withChild, type Window } from './measure.js';
import type { BenchRow } from './report.js';
import { startSpanCounter } from './span-counter.js';
import { checkInferResponse, type BenchModel } from './targets.js';

/** What the tracing section found. */
export interface TracingSummary {
  /** The gateway-traced row. */
  row: BenchRow;
  /** Spans the traced mesh's services exported, from its readiness probe to its shutdown (the only mesh that exports). */
  spansExported: number;
}

export async function tracedRow(repository: string, model: BenchModel, concurrency: number, window: Window): Promise<TracingSummary> {
  const receiver = await startSpanCounter();
  try {
    const env = { OTEL_TRACES_SAMPLER: 'always_on', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint };
    const row = await withChild(
      () => startBenchMesh({ repository, models: [{ name: model.name, probe: model.requestBytes }], env }),
      (mesh) => {
        const check = (response: Buffer) => checkInferResponse(model, response);
        return grpcRow({ model: model.name, concurrency, path: 'gateway-traced' }, mesh.gateway, model.requestBytes, check, [BENCH, ...mesh.gatewayPath], window);
      },
    );
    // Counted once the traced mesh has stopped: its services flush what their exporters still held on the way out.
    return { row, spansExported: receiver.count() };
  } finally {
    await receiver.close();
  }
}
