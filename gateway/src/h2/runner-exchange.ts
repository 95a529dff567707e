/**
 * One attempt of a ModelInfer on a runner's pooled HTTP/2 session, its answer collected
 * whole before anything of it reaches the caller. A runner that dies at any point before its
 * trailers (after its response headers, or between its message and its trailers) has then
 * shown the caller nothing, and the call can go to another runner.
 */
import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { FRAME_HEADER_BYTES, isTrailersOnly, resetStatus, statusOf } from '@infermesh/common';

/** A runner's answer to one attempt, or how the attempt broke. */
export interface RunnerAnswer {
  code: grpc.status;
  details: string;
  /**
   * True when no answer came to pass on: a status alone (trailers-only), or a stream that
   * broke before its trailers. Another runner may be tried, when the code allows.
   */
  retryable: boolean;
  /** The response's first headers, unless the status came alone or the stream broke before them. */
  headers?: IncomingHttpHeaders;
  /** The headers that carried the status (the trailers, or the headers of a status alone); none when the stream broke. */
  trailers?: IncomingHttpHeaders;
  /** The response's DATA chunks as they came (one gRPC frame when the runner behaved). */
  data: Buffer[];
  /** Their total length. */
  bytes: number;
  /** The response message without its frame header, when the answer has it whole. */
  message?: Buffer;
  /** True when the runner does not serve RunnerInfer.Exchange: the call was not run (RunnerRequest sends it again on a stream of its own). */
  notServed?: boolean;
}

/** An attempt in flight, on an Exchange stream or on a stream of its own: `cancel()` stops it, and its answer callback still runs, once. */
export interface RunnerAttempt {
  cancel(): void;
}

/**
 * Sends `body` (one request frame, in pieces) with `outgoing` headers on `session` and
 * calls `done` once with the runner's whole answer, when the stream has closed. An answer
 * longer than `maxResponseBytes` (frame header included) is cut off as RESOURCE_EXHAUSTED.
 * Closing the returned stream cancels the attempt; `done` is still called. Throws when the
 * session cannot open a stream.
 */
export function exchange(
  session: ClientHttp2Session,
  outgoing: OutgoingHttpHeaders,
  body: readonly Buffer[],
  maxResponseBytes: number,
  done: (answer: RunnerAnswer) => void,
): ClientHttp2Stream {
  const upstream = session.request(outgoing);
  const data: Buffer[] = [];
  let bytes = 0;
  let headers: IncomingHttpHeaders | undefined;
  let trailers: IncomingHttpHeaders | undefined;
  let failure: unknown;
  let tooLarge = false;
  upstream.on('error', (error) => (failure = error));
  upstream.once('response', (received: IncomingHttpHeaders) => {
    if (isTrailersOnly(received)) trailers = received;
    else headers = received;
  });
  upstream.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > maxResponseBytes) {
      tooLarge = true;
      upstream.close(constants.NGHTTP2_CANCEL);
      return;
    }
    data.push(chunk);
  });
  upstream.on('trailers', (received: IncomingHttpHeaders) => (trailers = received));
  upstream.on('close', () => {
    if (tooLarge) {
      done({ code: grpc.status.RESOURCE_EXHAUSTED, details: `the runner's answer is larger than ${maxResponseBytes} bytes`, retryable: false, data: [], bytes: 0 });
      return;
    }
    if (!trailers) {
      const { code, details } = resetStatus(upstream.rstCode, failure, session.destroyed || session.closed);
      done({ code, details, retryable: true, headers, data, bytes });
      return;
    }
    const { code, details } = statusOf(trailers);
    done({ code, details, retryable: headers === undefined, headers, trailers, data, bytes });
  });
  upstream.cork();
  for (const piece of body) upstream.write(piece);
  upstream.end();
  return upstream;
}

/** The one uncompressed message of an answer, without its frame header; undefined when the runner sent anything else. */
export function answerMessage(answer: RunnerAnswer): Buffer | undefined {
  if (answer.message) return answer.message;
  if (answer.bytes < FRAME_HEADER_BYTES) return undefined;
  const frame = answer.data.length === 1 ? answer.data[0]! : Buffer.concat(answer.data, answer.bytes);
  return frame[0] === 0 ? frame.subarray(FRAME_HEADER_BYTES) : undefined;
}
