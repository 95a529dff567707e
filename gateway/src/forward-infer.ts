/**
 * Forwards one serialized ModelInferRequest to a runner and returns the serialized response,
 * never decoding tensors. The version is chosen once per call and written into the request
 * (so the runner runs exactly that one); the caller's deadline and cancellation reach the
 * runner through grpc-js's `parent` propagation. A failed attempt is tried again on another
 * runner that has the same version when the gateway's RetryPolicy (`gateway.retry`) allows
 * it: ModelInfer is idempotent, and the retried codes (UNAVAILABLE, NOT_FOUND by default)
 * are those a runner answers before it runs the request.
 */
import type { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { trace as otelTrace, type Context } from '@opentelemetry/api';
import { deadlineMs, endSpan, injectContext, spansCanRecord, startChildSpan, type InferRequestHeader, type RetryPolicy } from '@infermesh/common';
import { MODEL_INFER_PATH } from '@infermesh/proto';
import { metadataHeaders, type Router } from './Router.js';
import type { RunnerEndpoint } from './RunnerEndpoint.js';
import type { RunnerHeaders } from './runner-headers.js';
import { passThrough, withModelVersion } from './wire.js';

/** No runner tried yet: most calls take one attempt and never need a set of their own. */
const NONE_TRIED: ReadonlySet<RunnerEndpoint> = new Set();

/** The incoming call a forwarded call inherits its deadline and cancellation from. */
export type ParentCall = NonNullable<grpc.CallOptions['parent']>;

function callRunner(
  runner: RunnerEndpoint,
  request: Buffer,
  metadata: grpc.Metadata,
  parent: ParentCall,
): Promise<Buffer> {
  runner.outstanding++;
  return new Promise<Buffer>((resolve, reject) => {
    runner.channel.makeUnaryRequest<Buffer, Buffer>(
      MODEL_INFER_PATH,
      passThrough,
      passThrough,
      request,
      metadata,
      { parent },
      (error, response) => {
        runner.outstanding--;
        runner.outlier.record(error ? error.code : grpc.status.OK);
        if (error || !response) reject(error ?? new Error('empty response'));
        else resolve(response);
      },
    );
  });
}

/** Waits `ms` before a retry, or less when the caller cancels meanwhile. */
function backoff(ms: number, parent: ParentCall): Promise<void> {
  // Every kind of incoming call is an EventEmitter, but their union's signatures do not unify.
  const call = parent as EventEmitter;
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      call.removeListener('cancelled', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    call.once('cancelled', done);
  });
}

/** Where a forwarded call went, for observers; filled in as the call proceeds. */
export interface ForwardTrace {
  version: string;
  runner: string;
}

/**
 * Sends the request to a runner that serves its model and the version the router picks.
 * A `route` span under `traceContext` records the version, why it was chosen, and the
 * runner; the runner's spans hang below it (its context replaces the caller's traceparent).
 * `retry` decides whether, and after what backoff, a failed attempt goes to another runner.
 */
export async function forwardInfer(
  router: Router,
  retry: RetryPolicy,
  /** Which of the caller's metadata the runner gets. */
  runnerHeaders: RunnerHeaders,
  header: InferRequestHeader,
  request: Buffer,
  parent: ParentCall,
  trace: ForwardTrace = { version: '', runner: '' },
  traceContext?: Context,
): Promise<Buffer> {
  const choice = router.chooseVersion(header.modelName, header.modelVersion, metadataHeaders(parent.metadata), header);
  const { version } = choice;
  trace.version = version;
  const span =
    traceContext && spansCanRecord()
      ? startChildSpan('route', traceContext, { 'model.name': header.modelName, 'model.version': version, 'route.reason': choice.reason })
      : undefined;
  // Only the trace headers and the declared pass-through reach the runner; the route span,
  // when there is one, replaces the caller's trace context in that copy.
  const metadata = runnerHeaders.metadataFor(parent.metadata);
  if (span) injectContext(metadata, otelTrace.setSpan(traceContext!, span));
  const body = version === header.modelVersion ? request : withModelVersion(request, version);
  let tried: Set<RunnerEndpoint> | undefined;
  let attempts = 0;
  retry.recordCall();
  try {
    for (;;) {
      const runner = router.pickRunner(header.modelName, version, tried ?? NONE_TRIED, header.sequenceId);
      attempts++;
      trace.runner = runner.address;
      span?.setAttribute('runner', runner.address);
      try {
        const response = await callRunner(runner, body, metadata, parent);
        span?.setAttribute('route.attempts', attempts);
        if (span) endSpan(span);
        return response;
      } catch (error) {
        const delay = parent.cancelled ? undefined : retry.retryDelay(attempts, (error as grpc.ServiceError).code, deadlineMs(parent));
        if (delay === undefined) throw error;
        (tried ??= new Set()).add(runner);
        if (delay > 0) await backoff(delay, parent);
        if (parent.cancelled) throw error;
      }
    }
  } catch (error) {
    if (span) endSpan(span, error);
    throw error;
  }
}
