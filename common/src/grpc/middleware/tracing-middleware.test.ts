import { propagation, SpanStatusCode, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Metadata, status } from '@grpc/grpc-js';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ServiceError } from '../../errors/ServiceError.js';
import { composeMiddleware } from './compose-middleware.js';
import { errorMiddleware } from './error-middleware.js';
import { silentLogger } from '../../log/logger.js';
import type { MethodInfo, ServerCall } from './ServerMiddleware.js';
import { tracingMiddleware } from './tracing-middleware.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
afterAll(() => provider.shutdown());
beforeEach(() => exporter.reset());

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const method: MethodInfo = { path: '/infermesh.registry.v1.Registry/GetModel', name: 'GetModel', kind: 'unary' };

function callWith(traceparent?: string): ServerCall {
  const metadata = new Metadata();
  if (traceparent) metadata.set('traceparent', traceparent);
  return { metadata } as ServerCall;
}

describe('tracingMiddleware', () => {
  it('continues a sampled caller trace with a server span the handler sees', async () => {
    const handler = tracingMiddleware(async (_call, context) => context.span?.spanContext().traceId, method);
    await expect(handler(callWith(`00-${TRACE_ID}-${CALLER_SPAN}-01`), {})).resolves.toBe(TRACE_ID);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('infermesh.registry.v1.Registry/GetModel');
    expect(span?.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(span?.attributes).toMatchObject({ 'rpc.service': 'infermesh.registry.v1.Registry', 'rpc.method': 'GetModel', 'rpc.grpc.status_code': 0 });
  });

  it('starts no span for a caller that sent no trace or an unsampled one', async () => {
    const handler = tracingMiddleware(async (_call, context) => context.span, method);
    await expect(handler(callWith(), {})).resolves.toBeUndefined();
    await expect(handler(callWith(`00-${TRACE_ID}-${CALLER_SPAN}-00`), {})).resolves.toBeUndefined();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });

  it('ends the span with the status the error maps to', async () => {
    const handler = composeMiddleware(tracingMiddleware, errorMiddleware(silentLogger()))(async () => {
      throw ServiceError.notFound('model m not found');
    }, method);
    await expect(handler(callWith(`00-${TRACE_ID}-${CALLER_SPAN}-01`), {})).rejects.toMatchObject({ code: status.NOT_FOUND });
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes['rpc.grpc.status_code']).toBe(status.NOT_FOUND);
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'NOT_FOUND: model m not found' });
  });
});
