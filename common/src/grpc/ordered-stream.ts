/**
 * Serves a bidirectional stream of independent requests (ModelStreamInfer, the sink's
 * Publish): requests run concurrently, responses leave in request order, and reading pauses
 * while `maxInFlight` requests are running. A failure becomes an in-band error response and
 * never ends the stream, or, in `end-stream` mode, ends the stream with its status.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { toServerErrorResponse } from '../errors/to-grpc-status.js';

interface StreamHandlers<Req, Res> {
  handle(request: Req): Promise<Res>;
  /** Requests running at once before the stream stops reading (backpressure). */
  maxInFlight: number;
}

/** Every failure is answered in-band, in its request's place; the stream goes on. */
export interface InBandErrorHandlers<Req, Res> extends StreamHandlers<Req, Res> {
  errors?: 'in-band';
  /** The response that carries an error for `request`. */
  onError(request: Req, error: unknown): Res;
}

/**
 * The first failure, in request order, ends the stream with its status: the responses
 * before it are sent, none after it, and requests read after it are not handled.
 */
export interface EndStreamErrorHandlers<Req, Res> extends StreamHandlers<Req, Res> {
  errors: 'end-stream';
  /** Called with the failure before the stream ends (to log it). */
  onFailure?(error: unknown): void;
}

/** How one stream is served. */
export type OrderedStreamHandlers<Req, Res> = InBandErrorHandlers<Req, Res> | EndStreamErrorHandlers<Req, Res>;

/** A stream being served. */
export interface OrderedStream {
  /**
   * Stops reading, waits until every request already read is answered, then ends the call
   * (OK) unless it failed or was cancelled. What arrives afterwards is not handled. Called
   * by itself when the client ends its side; safe to call more than once.
   */
  end(): Promise<void>;
}

type Outcome<Res> = { ok: true; response: Res } | { ok: false; error: unknown };

/** Serves `call` until the client ends its side, the call fails, or the returned handle's `end()`. */
export function serveOrderedStream<Req, Res>(call: ServerDuplexStream<Req, Res>, handlers: OrderedStreamHandlers<Req, Res>): OrderedStream {
  const { handle, maxInFlight } = handlers;
  const endOnError = handlers.errors === 'end-stream';
  let tail: Promise<void> = Promise.resolve();
  let inFlight = 0;
  /** The call is over without our end(): cancelled, errored, or failed by a request. */
  let closed = false;
  let ending = false;
  const onClosed = () => {
    closed = true;
  };
  call.on('cancelled', onClosed);
  call.on('error', onClosed);
  const fail = (error: unknown) => {
    if (closed) return;
    closed = true;
    if (handlers.errors === 'end-stream') handlers.onFailure?.(error);
    // grpc-js sends an 'error' emitted on a server stream as the call's status.
    call.emit('error', toServerErrorResponse(error));
  };
  call.on('data', (request: Req) => {
    // Read after a failure or after end(): left unanswered (the client may send it again).
    if (ending || (closed && endOnError)) return;
    inFlight++;
    if (inFlight >= maxInFlight) call.pause();
    const result: Promise<Outcome<Res>> = handle(request).then(
      (response) => ({ ok: true, response }),
      (error: unknown) => (handlers.errors === 'end-stream' ? { ok: false, error } : { ok: true, response: handlers.onError(request, error) }),
    );
    tail = tail.then(async () => {
      const outcome = await result;
      if (!outcome.ok) {
        fail(outcome.error);
        return;
      }
      inFlight--;
      if (inFlight < maxInFlight && !ending) call.resume();
      if (!closed) call.write(outcome.response);
    });
  });
  const end = async () => {
    ending = true;
    call.pause();
    await tail;
    if (!closed && !call.writableEnded) call.end();
  };
  call.on('end', () => {
    void end();
  });
  return { end };
}
