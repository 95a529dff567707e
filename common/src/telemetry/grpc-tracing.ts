/**
 * Tracing for gRPC without patching grpc-js: W3C trace context read from and written to
 * call metadata, and server spans named and attributed per OpenTelemetry's RPC conventions.
 */
import {
  INVALID_SPAN_CONTEXT,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  propagation,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { status as grpcStatus, type Metadata } from '@grpc/grpc-js';
import { toGrpcStatus } from '../errors/to-grpc-status.js';
import { spansCanRecord } from './sampling-mode.js';

/** The tracer every infermesh component uses. */
export const tracer = trace.getTracer('infermesh');

const getter: TextMapGetter<Metadata> = {
  keys: (carrier) => Object.keys(carrier.getMap()),
  get: (carrier, key) => {
    const values = carrier.get(key);
    return values.length === 0 ? undefined : values.map(String);
  },
};

const setter: TextMapSetter<Metadata> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/** The trace context a caller sent in its metadata (traceparent, tracestate). */
export function extractContext(metadata: Metadata): Context {
  return propagation.extract(ROOT_CONTEXT, metadata, getter);
}

const recordGetter: TextMapGetter<Record<string, string>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

/** The context a W3C `traceparent` string names (ROOT when empty or malformed). */
export function contextFromTraceparent(traceparent: string): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }, recordGetter) : ROOT_CONTEXT;
}

/**
 * The W3C `traceparent` of `ctx`'s span (by default the active one); '' when there is none.
 * Formatted from the span context directly: the gateway asks for it on every call.
 */
export function traceparentOf(ctx: Context = context.active()): string {
  const spanContext = trace.getSpanContext(ctx);
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return '';
  return `00-${spanContext.traceId}-${spanContext.spanId}-${spanContext.traceFlags.toString(16).padStart(2, '0')}`;
}

/** Writes `ctx` (by default the active context) into outgoing metadata. */
export function injectContext(metadata: Metadata, ctx: Context = context.active()): void {
  propagation.inject(ctx, metadata, setter);
}

/**
 * Writes `ctx` into a plain header object (HTTP/2 request headers), as `injectContext` does
 * into Metadata, without a Metadata to build and copy out on every call.
 */
export function injectHeaders(headers: Record<string, unknown>, ctx: Context): void {
  propagation.inject(ctx, headers);
}

/** A method's span name and RPC semantic convention attributes. */
interface MethodNaming {
  name: string;
  rpc: Attributes;
}

/** By full method path: the few methods a service has are parsed once, not on every call. */
const namings = new Map<string, MethodNaming>();

/** `/inference.GRPCInferenceService/ModelInfer` → its span name and RPC attributes. */
function methodNaming(fullMethod: string): MethodNaming {
  let naming = namings.get(fullMethod);
  if (!naming) {
    const name = fullMethod.replace(/^\//, '');
    const [service = '', method = ''] = name.split('/');
    naming = { name, rpc: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': method } };
    namings.set(fullMethod, naming);
  }
  return naming;
}

/** The span of every call when no span can be sampled: records nothing, propagates nothing. */
const UNSAMPLED: { span: Span; ctx: Context } = { span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT), ctx: ROOT_CONTEXT };

/**
 * Starts the server span of an incoming call, as a child of the caller's context. When no
 * span can be sampled (see sampling-mode.ts) it reads nothing and returns a shared span
 * that records nothing, under the root context: the caller's trace headers, copied to the
 * next hop with the rest of its metadata, carry its trace on.
 */
export function startServerSpan(fullMethod: string, metadata: Metadata, attributes: Attributes = {}): { span: Span; ctx: Context } {
  if (!spansCanRecord()) return UNSAMPLED;
  return startServerSpanIn(fullMethod, extractContext(metadata), attributes);
}

/** Starts the server span of an incoming call under `parent`, the context the caller sent. */
export function startServerSpanIn(fullMethod: string, parent: Context, attributes: Attributes = {}): { span: Span; ctx: Context } {
  if (!spansCanRecord()) return UNSAMPLED;
  const { name, rpc } = methodNaming(fullMethod);
  const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes: { ...rpc, ...attributes } }, parent);
  return { span, ctx: trace.setSpan(parent, span) };
}

/** Starts an internal span under `parent` (the shared unsampled span when none can be sampled). */
export function startChildSpan(name: string, parent: Context, attributes: Attributes = {}, startTime?: number): Span {
  if (!spansCanRecord()) return UNSAMPLED.span;
  return tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes, ...(startTime === undefined ? {} : { startTime }) }, parent);
}

/** Ends a span with the gRPC status of `error` (OK when undefined); errors set the span's status. */
export function endSpan(span: Span, error?: unknown, endTime?: number): void {
  // A span that records nothing needs no status worked out for it.
  if (!span.isRecording()) {
    span.end(endTime);
    return;
  }
  if (error === undefined) {
    span.setAttribute('rpc.grpc.status_code', grpcStatus.OK);
  } else {
    const { code, details } = toGrpcStatus(error);
    span.setAttribute('rpc.grpc.status_code', code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: `${grpcStatus[code]}: ${details}` });
  }
  span.end(endTime);
}

/** The trace and span ids of the active span, for log lines; empty when there is none. */
export function activeTraceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const spanContext = span.spanContext();
  if (!trace.isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
