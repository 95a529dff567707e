/** Middleware that continues the caller's trace: a server span when the caller's trace is sampled. */
import { context as otelContext, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { endSpan, extractContext, startServerSpanIn } from '../../telemetry/grpc-tracing.js';
import type { ServerMiddleware } from './ServerMiddleware.js';

/** What {@link tracingMiddleware} adds to the call context. */
export interface TracingContext {
  /** The call's server span; undefined when the caller sent no sampled trace context. */
  span: Span | undefined;
}

/**
 * Reads the W3C trace context from the call's metadata. When the caller's trace is sampled,
 * a server span named after the method runs for the call and ends with its status;
 * otherwise no span is started, so calls nobody traces (heartbeats, watches) cost no span.
 * Either way the handler and the middleware inside this one run in the caller's context, so
 * log lines carry its trace id.
 */
export const tracingMiddleware: ServerMiddleware<TracingContext> = (next, method) => async (call, context) => {
  const parent = extractContext(call.metadata);
  const parentSpan = trace.getSpanContext(parent);
  if (!parentSpan || !trace.isSpanContextValid(parentSpan)) return next(call, Object.assign(context, { span: undefined }));
  if ((parentSpan.traceFlags & TraceFlags.SAMPLED) === 0) {
    return otelContext.with(parent, () => next(call, Object.assign(context, { span: undefined })));
  }
  const { span, ctx } = startServerSpanIn(method.path, parent);
  return otelContext.with(ctx, async () => {
    try {
      const result = await next(call, Object.assign(context, { span }));
      endSpan(span);
      return result;
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
  });
};
