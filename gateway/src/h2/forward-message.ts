/**
 * Sends one ModelInfer message to a runner on its pooled HTTP/2 session and collects the
 * answer, for callers that need the response bytes themselves rather than piped on (each
 * message of a ModelStreamInfer). Routing, retries and spans are as for a unary call.
 */
import { constants, type ClientHttp2Session, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { ServiceError, type ErrorCode } from '@infermesh/common';
import { MODEL_INFER_PATH } from '@infermesh/proto';
import type { RunnerEndpoint } from '../RunnerEndpoint.js';
import { modelVersionParts, type InferRequestHeader } from '../wire.js';
import { FRAME_HEADER_BYTES, framePieces } from './GrpcFrameReader.js';
import { isTrailersOnly, statusOf } from './grpc-headers.js';
import { timeoutHeader } from './grpc-timeout.js';
import type { H2InferDeps } from './H2InferDeps.js';
import { resetStatus } from './reset-status.js';

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
    const runner = deps.router.pickRunner(call.header.modelName, call.version, tried ?? NONE_TRIED);
    call.trace.runner = runner.address;
    const outcome = await attempt(deps, runner, body, call);
    runner.outlier.record(outcome.code);
    if (outcome.code === grpc.status.OK) return outcome.response!;
    const delay = outcome.beforeAnswer && !call.signal.aborted ? deps.retry.retryDelay(attempts, outcome.code, call.deadline) : undefined;
    if (delay === undefined) throw new ServiceError(outcome.code as ErrorCode, outcome.details);
    (tried ??= new Set()).add(runner);
    if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

interface Outcome {
  code: grpc.status;
  details: string;
  response?: Buffer;
  /** True when the runner refused the call before answering anything: safe to try elsewhere. */
  beforeAnswer: boolean;
}

function attempt(deps: H2InferDeps, runner: RunnerEndpoint, body: readonly Buffer[], call: MessageCall): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    if (call.deadline !== Infinity) call.outgoing['grpc-timeout'] = timeoutHeader(call.deadline, Date.now());
    let session: ClientHttp2Session;
    let upstream;
    try {
      session = deps.sessions.get(runner.address);
      upstream = session.request({ ...call.outgoing, ':path': MODEL_INFER_PATH });
    } catch (error) {
      resolve({ code: grpc.status.UNAVAILABLE, details: `runner ${runner.address} unreachable: ${(error as Error).message}`, beforeAnswer: true });
      return;
    }
    runner.outstanding++;
    const chunks: Buffer[] = [];
    let answered = false;
    let final: IncomingHttpHeaders | undefined;
    let failure: unknown;
    const cancel = () => upstream.close(constants.NGHTTP2_CANCEL);
    call.signal.addEventListener('abort', cancel, { once: true });
    upstream.on('error', (error) => (failure = error));
    upstream.once('response', (headers: IncomingHttpHeaders) => {
      answered = true;
      if (isTrailersOnly(headers)) final = headers;
    });
    upstream.on('data', (chunk: Buffer) => chunks.push(chunk));
    upstream.on('trailers', (trailers: IncomingHttpHeaders) => (final = trailers));
    upstream.on('close', () => {
      runner.outstanding--;
      call.signal.removeEventListener('abort', cancel);
      if (!final) {
        const { code, details } = resetStatus(upstream.rstCode, failure, session.destroyed || session.closed);
        resolve({ code, details, beforeAnswer: !answered });
        return;
      }
      const { code, details } = statusOf(final);
      if (code !== grpc.status.OK) {
        resolve({ code, details, beforeAnswer: isTrailersOnly(final) });
        return;
      }
      const frame = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (frame.length < FRAME_HEADER_BYTES || frame[0] !== 0) {
        resolve({ code: grpc.status.INTERNAL, details: 'the runner answered without one uncompressed message', beforeAnswer: false });
        return;
      }
      resolve({ code, details, response: frame.subarray(FRAME_HEADER_BYTES), beforeAnswer: false });
    });
    upstream.cork();
    for (const piece of body) upstream.write(piece);
    upstream.end();
  });
}
