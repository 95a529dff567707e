/**
 * Sends one ModelInfer message to a runner on its pooled HTTP/2 session and collects the
 * answer, for callers that need the response bytes themselves rather than piped on (each
 * message of a ModelStreamInfer). Routing, retries and spans are as for a unary call.
 */
import { constants, type ClientHttp2Stream, type OutgoingHttpHeaders } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { type ErrorCode, FRAME_HEADER_BYTES, framePieces, hidesUpstreamDetails, type InferRequestHeader, ServiceError, timeoutHeader, upstreamInternalDetails } from '@infermesh/common';
import { MODEL_INFER_PATH } from '@infermesh/proto';
import type { RunnerEndpoint } from '../RunnerEndpoint.js';
import { modelVersionParts } from '../wire.js';
import type { H2InferDeps } from './H2InferDeps.js';
import { answerMessage, exchange, type RunnerAnswer } from './runner-exchange.js';
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
  const body = call.version === call.header.modelVersion ? framePieces([call.message]) : framePieces(modelVersionParts(call.message, call.version));
  let tried: Set<RunnerEndpoint> | undefined;
  deps.retry.recordCall();
  for (let attempts = 1; ; attempts++) {
    const runner = deps.router.pickRunner(call.header.modelName, call.version, tried ?? NONE_TRIED, call.header.sequenceId);
    call.trace.runner = runner.address;
    const outcome = await attempt(deps, runner, body, call);
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

function attempt(deps: H2InferDeps, runner: RunnerEndpoint, body: readonly Buffer[], call: MessageCall): Promise<RunnerAnswer> {
  return new Promise<RunnerAnswer>((resolve) => {
    if (call.deadline !== Infinity) call.outgoing['grpc-timeout'] = timeoutHeader(call.deadline, Date.now());
    let upstream: ClientHttp2Stream;
    try {
      upstream = exchange(deps.sessions.get(runner.address), { ...call.outgoing, ':path': MODEL_INFER_PATH }, body, deps.maxMessageBytes + FRAME_HEADER_BYTES, (answer) => {
        runner.outstanding--;
        call.signal.removeEventListener('abort', cancel);
        resolve(answer);
      });
    } catch (error) {
      resolve({ code: grpc.status.UNAVAILABLE, details: `runner ${runner.address} unreachable: ${(error as Error).message}`, retryable: true, data: [], bytes: 0 });
      return;
    }
    runner.outstanding++;
    const cancel = () => upstream.close(constants.NGHTTP2_CANCEL);
    call.signal.addEventListener('abort', cancel, { once: true });
  });
}
