/**
 * Serves a bidirectional stream of independent requests (ModelStreamInfer): requests run
 * concurrently, responses leave in request order, a failure becomes an in-band error
 * response and never ends the stream.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';

/** How one stream is served. */
export interface OrderedStreamHandlers<Req, Res> {
  handle(request: Req): Promise<Res>;
  /** The response that carries an error for `request`. */
  onError(request: Req, error: unknown): Res;
  /** Requests running at once before the stream stops reading (backpressure). */
  maxInFlight: number;
}

export function serveOrderedStream<Req, Res>(
  call: ServerDuplexStream<Req, Res>,
  { handle, onError, maxInFlight }: OrderedStreamHandlers<Req, Res>,
): void {
  let tail: Promise<void> = Promise.resolve();
  let inFlight = 0;
  let cancelled = false;
  call.on('cancelled', () => {
    cancelled = true;
  });
  call.on('error', () => {
    cancelled = true;
  });
  call.on('data', (request: Req) => {
    inFlight++;
    if (inFlight >= maxInFlight) call.pause();
    const result = handle(request).catch((error: unknown) => onError(request, error));
    tail = tail.then(async () => {
      const response = await result;
      inFlight--;
      if (inFlight < maxInFlight) call.resume();
      if (!cancelled) call.write(response);
    });
  });
  call.on('end', () => {
    void tail.then(() => {
      if (!cancelled) call.end();
    });
  });
}
