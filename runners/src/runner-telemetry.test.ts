/**
 * The runner's spans and metrics, in process: a real OpenTelemetry SDK with an in-memory
 * exporter, a real runner, and a real scrape of its /metrics page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { activeTraceIds } from '@infermesh/common';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { InferenceClient } from '@infermesh/client';
import { exampleRepository, lintExposition, metricValue, scrape } from '@infermesh/testkit';
import type { Runner } from './create-runner.js';
import { startRunnerInProcess } from './runner-fixture.test-helper.js';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
provider.register();

let repo: Awaited<ReturnType<typeof exampleRepository>>;
let runner: Runner;
let client: InferenceClient;

beforeAll(async () => {
  repo = await exampleRepository();
  runner = await startRunnerInProcess(repo.dir, { name: 'obs', metricsPort: 0 });
  client = new InferenceClient(runner.address);
}, 60_000);

afterAll(async () => {
  client?.close();
  await runner?.close();
  await repo?.remove();
  await provider.shutdown();
});

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

describe('log lines', () => {
  it('carry the trace and span ids of the active span, and nothing outside a call', () => {
    const span = provider.getTracer('test').startSpan('call');
    const ids = context.with(trace.setSpan(context.active(), span), () => activeTraceIds());
    expect(ids).toEqual({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    span.end();
    expect(activeTraceIds()).toEqual({});
  });
});

describe('runner telemetry', () => {
  it('continues the caller’s trace: server span → queue, batch → compute, with model attributes', async () => {
    exporter.reset();
    await client.infer(
      'mlp',
      { input: { datatype: 'FP32', shape: [3, 64], data: new Float32Array(192) } },
      { version: '1', metadata: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` } },
    );
    const spans = exporter.getFinishedSpans();
    const byName = (name: string) => spans.find((s) => s.name === name)!;
    const server = byName('inference.GRPCInferenceService/ModelInfer');
    expect(server.spanContext().traceId).toBe(TRACE_ID);
    expect(server.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(server.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'inference.GRPCInferenceService',
      'rpc.method': 'ModelInfer',
      'rpc.grpc.status_code': 0,
      'model.name': 'mlp',
      'model.version': '1',
      device: 'cpu',
    });
    for (const name of ['queue', 'batch']) {
      expect(byName(name).parentSpanContext?.spanId).toBe(server.spanContext().spanId);
      expect(byName(name).spanContext().traceId).toBe(TRACE_ID);
    }
    // mlp is not batched here: each request is one execution of one request.
    expect(byName('batch').attributes).toMatchObject({ 'batch.size': 1, 'batch.requests': 1, 'model.name': 'mlp', 'model.version': '1', device: 'cpu' });
    expect(byName('compute').parentSpanContext?.spanId).toBe(byName('batch').spanContext().spanId);
  });

  it('marks a failed call’s span with the gRPC code', async () => {
    exporter.reset();
    await expect(
      client.infer('mlp', { input: { datatype: 'FP32', shape: [1, 63], data: new Float32Array(63) } }),
    ).rejects.toMatchObject({ code: 3 });
    const server = exporter.getFinishedSpans().find((s) => s.name === 'inference.GRPCInferenceService/ModelInfer')!;
    expect(server.attributes['rpc.grpc.status_code']).toBe(3);
    expect(server.status).toMatchObject({ code: 2, message: expect.stringContaining("INVALID_ARGUMENT: input 'input'") });
  });

  it('counts requests per version and status, with batch, queue and compute histograms, on /metrics', async () => {
    for (let i = 0; i < 5; i++) await client.infer('simple', { INPUT0: { datatype: 'INT32', shape: [2, 16], data: new Int32Array(32) }, INPUT1: { datatype: 'INT32', shape: [2, 16], data: new Int32Array(32) } });
    await client.infer('simple', { INPUT0: { datatype: 'INT32', shape: [1, 16], data: new Int32Array(16) } }).catch(() => undefined);
    await client.infer('nope', {}).catch(() => undefined);
    const text = await scrape(runner.metricsAddress!);
    const series = (name: string, labels: Record<string, string> = {}) => metricValue(text, name, { service: 'runner', runner: 'obs', ...labels });
    const simple = { model: 'simple', version: '1' };
    expect(series('infermesh_runner_requests_total', { ...simple, code: 'OK' })).toBe(5);
    expect(series('infermesh_runner_requests_total', { ...simple, code: 'INVALID_ARGUMENT' })).toBe(1);
    expect(text).not.toContain('model="nope"');
    // simple is not batched: five executions of one request each.
    expect(series('infermesh_runner_batch_size_count', simple)).toBe(5);
    expect(series('infermesh_runner_batch_size_sum', simple)).toBe(5);
    expect(series('infermesh_runner_compute_duration_seconds_count', simple)).toBe(5);
    expect(series('infermesh_runner_queue_duration_seconds_count', simple)).toBe(5);
    expect(series('infermesh_runner_request_duration_seconds_count', simple)).toBe(5);
    expect(series('infermesh_runner_info', { device: 'cpu' })).toBe(1);
    expect(series('infermesh_runner_models_loaded')).toBe(5);
    expect(series('infermesh_runner_model_ready', { model: 'mlp', version: '2' })).toBe(1);
    expect(series('infermesh_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(lintExposition(text)).toEqual([]);
  });
});
