/**
 * One ModelInfer request on its way to runners, attempt by attempt: on the runner's Exchange
 * stream when the gateway has one for it (`gateway.runnerCalls: exchange`), else on an HTTP/2
 * stream of its own. Either way the request goes as pieces of the caller's bytes, and the
 * answer comes back as a RunnerAnswer.
 */
import { constants, type OutgoingHttpHeaders } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { FRAME_HEADER_BYTES, framePieces, timeoutHeader } from '@infermesh/common';
import { TRANSPORT_HEADERS } from '../runner-headers.js';
import type { H2InferDeps } from './H2InferDeps.js';
import { exchange, type RunnerAnswer, type RunnerAttempt } from './runner-exchange.js';

/**
 * Larger requests go on a stream of their own even when the runner has an Exchange stream:
 * HTTP/2 interleaves the DATA of different streams, so a large message on a stream of its own
 * does not hold up the small calls behind it.
 */
export const EXCHANGE_MAX_REQUEST_BYTES = 64 * 1024;

/** Request headers an Exchange stream carries once for all its calls: not sent per call. */
const STREAM_HEADERS: ReadonlySet<string> = new Set(TRANSPORT_HEADERS);

/** The metadata of a runner call's headers, as an Exchange call carries it. */
function exchangeMetadataOf(outgoing: OutgoingHttpHeaders): (readonly [string, string])[] {
  const metadata: (readonly [string, string])[] = [];
  for (const name in outgoing) {
    const value = outgoing[name];
    if (name.charCodeAt(0) === 0x3a || STREAM_HEADERS.has(name) || value === undefined) continue;
    metadata.push([name, Array.isArray(value) ? value.join(', ') : String(value)]);
  }
  return metadata;
}

export class RunnerRequest {
  /** The metadata an Exchange call carries; made on the first attempt there. */
  private metadata: (readonly [string, string])[] | undefined;
  /** Bytes of the request. */
  private readonly bytes: number;

  constructor(
    /** The ModelInferRequest to send (in the version chosen), in pieces. */
    private readonly pieces: readonly Buffer[],
    /** Request headers for a runner call on a stream of its own; `grpc-timeout` is set per attempt. */
    private readonly outgoing: OutgoingHttpHeaders,
    /** Epoch ms; Infinity for none. */
    private readonly deadline: number,
    /** The pieces as one gRPC frame, for a stream of its own; made from `pieces` when first needed. */
    private frame?: readonly Buffer[],
  ) {
    let bytes = 0;
    for (const piece of pieces) bytes += piece.length;
    this.bytes = bytes;
  }

  /**
   * Sends one attempt to the runner at `address`; `done` gets its answer once, a cancelled
   * attempt's too. A runner that turns the Exchange stream down (it does not serve it) has run
   * nothing: the request goes to it again at once, on a stream of its own, within the same
   * attempt. Throws when no stream can be opened.
   */
  send(deps: H2InferDeps, address: string, done: (answer: RunnerAnswer) => void): RunnerAttempt {
    const shared = this.bytes <= EXCHANGE_MAX_REQUEST_BYTES ? deps.exchanges?.get(address) : undefined;
    if (!shared) return this.sendOnStream(deps, address, done);
    const timeoutUs = this.deadline === Infinity ? 0 : Math.max(1, Math.round((this.deadline - Date.now()) * 1000));
    let current: RunnerAttempt | undefined;
    const attempt: RunnerAttempt = { cancel: () => current?.cancel() };
    current = shared.send(this.pieces, this.bytes, timeoutUs, (this.metadata ??= exchangeMetadataOf(this.outgoing)), (answer) => {
      if (!answer.notServed) {
        done(answer);
        return;
      }
      try {
        current = this.sendOnStream(deps, address, done);
      } catch (error) {
        done({ code: grpc.status.UNAVAILABLE, details: `runner ${address} unreachable: ${(error as Error).message}`, retryable: true, data: [], bytes: 0 });
      }
    });
    return attempt;
  }

  /** One attempt on an HTTP/2 stream of its own. */
  private sendOnStream(deps: H2InferDeps, address: string, done: (answer: RunnerAnswer) => void): RunnerAttempt {
    if (this.deadline !== Infinity) this.outgoing['grpc-timeout'] = timeoutHeader(this.deadline, Date.now());
    const stream = exchange(deps.sessions.get(address), this.outgoing, (this.frame ??= framePieces(this.pieces)), deps.maxMessageBytes + FRAME_HEADER_BYTES, done);
    return { cancel: () => stream.closed || stream.close(constants.NGHTTP2_CANCEL) };
  }
}
