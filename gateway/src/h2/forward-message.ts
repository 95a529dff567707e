/**
 * Sends one ModelInfer message to a runner on its pooled HTTP/2 session (its Exchange stream,
 * or a stream of its own) and collects the answer, for callers that need the response bytes themselves rather than piped on (each
 * message of a ModelStreamInfer). Routing, retries and spans are as for a unary call.
 */
import type { OutgoingHttpHeaders } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { type ErrorCode, hidesUpstreamDetails, type InferRequestHeader, ServiceError, upstreamInternalDetails } from '@infermesh/common';
import type { RunnerEndpoint } from '../RunnerEndpoint.js';
import { modelVersionParts } from '../wire.js';
import type { H2InferDeps } from './H2InferDeps.js';
import { answerMessage, type RunnerAnswer, type RunnerAttempt } from './runner-exchange.js';
import { RunnerRequest } from './RunnerRequest.js';
import { logTraceId } from '../sink/trace-id.js';

/** One message to forward. */
export interface MessageCall {
  header: InferRequestHeader;
  /** The serialized ModelInferRequest. */
  message: Buffer;
  /** The version the router chose. */
  version: string;
  /** Request headers for the runner (metadata, trace context); `grpc-timeout` is set per attempt. */
  outgoing: OutgoingHttpHeaders;
  /** Epoch ms, Infinity for none. */
  deadline: number;
  /** Aborts the attempt in flight (the caller went away, or its deadline passed). */
  signal: AbortSignal;
  /** Filled in with the runner that answered last, for observers. */
  trace: { runner: string };
}

const NONE_TRIED: ReadonlySet<RunnerEndpoint> = new Set();

/** The response message (without its frame header); rejects with a ServiceError carrying the runner's status. */
export async function forwardMessage(deps: H2InferDeps, call: MessageCall): Promise<Buffer> {
  const pieces = call.version === call.header.modelVersion ? [call.message] : modelVersionParts(call.message, call.version);
  const request = new RunnerRequest(pieces, call.outgoing, call.deadline);
  let tried: Set<RunnerEndpoint> | undefined;
  deps.retry.recordCall();
  for (let attempts = 1; ; attempts++) {
    const runner = deps.router.pickRunner(call.header.modelName, call.version, tried ?? NONE_TRIED, call.header.sequenceId);
    call.trace.runner = runner.address;
    const outcome = await attempt(deps, runner, request, call.signal);
    if (outcome.code === grpc.status.OK) {
      const response = answerMessage(outcome);
      if (response) {
        runner.outlier.record(outcome.code);
        return response;
      }
      outcome.code = grpc.status.INTERNAL;
      outcome.details = 'the runner answered without one uncompressed message';
    }
    runner.outlier.record(outcome.code);
    const delay = outcome.retryable && !call.signal.aborted ? deps.retry.retryDelay(attempts, outcome.code, call.deadline) : undefined;
    if (delay === undefined) {
      if (!hidesUpstreamDetails(outcome.code)) throw new ServiceError(outcome.code as ErrorCode, outcome.details);
      deps.logger.error({ address: runner.address, code: grpc.status[outcome.code], details: outcome.details, ...logTraceId(call.outgoing) }, 'runner failed a ModelStreamInfer message');
      throw new ServiceError(outcome.code as ErrorCode, upstreamInternalDetails(outcome.code));
    }
    (tried ??= new Set()).add(runner);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

function attempt(deps: H2InferDeps, runner: RunnerEndpoint, request: RunnerRequest, signal: AbortSignal): Promise<RunnerAnswer> {
  return new Promise<RunnerAnswer>((resolve) => {
    let upstream: RunnerAttempt;
    const cancel = () => upstream.cancel();
    try {
      upstream = request.send(deps, runner.address, (answer) => {
        runner.outstanding--;
        signal.removeEventListener('abort', cancel);
        resolve(answer);
      });
    } catch (error) {
      resolve({ code: grpc.status.UNAVAILABLE, details: `runner ${runner.address} unreachable: ${(error as Error).message}`, retryable: true, data: [], bytes: 0 });
      return;
    }
    runner.outstanding++;
    signal.addEventListener('abort', cancel, { once: true });
  });
}
