/**
 * Pipes the next hop's answer to the caller untouched: response headers, DATA with
 * backpressure, then its trailers. A stream that breaks before its trailers becomes a
 * status in the caller's trailers.
 */
import { constants, type ClientHttp2Stream, type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { isTrailersOnly, responseHeadersFrom, statusOf, statusTrailers, trailersOnly } from './grpc-headers.js';
import { resetStatus } from './reset-status.js';

/** What the owner of a relayed call hears. */
export interface RelayHooks {
  /** The status the caller got; once, unless the caller went away first. */
  onEnd(code: status, details: string): void;
}

/** A running relay. */
export interface Relay {
  /** Stops the next hop and ends the caller's stream with this status instead. */
  abort(code: status, details: string): void;
}

/** Answers the caller with a status and no message, if its stream can still take one. */
export function answerStatus(downstream: ServerHttp2Stream, code: status, details: string): void {
  if (downstream.closed || downstream.destroyed) return;
  if (!downstream.headersSent) downstream.respond(trailersOnly(code, details), { endStream: true });
  else downstream.close(constants.NGHTTP2_INTERNAL_ERROR);
}

/** Relays the answer whose first `headers` just came on `upstream`. */
export function relayResponse(upstream: ClientHttp2Stream, downstream: ServerHttp2Stream, headers: IncomingHttpHeaders, hooks: RelayHooks): Relay {
  if (isTrailersOnly(headers)) {
    const sent = responseHeadersFrom(headers);
    if (!downstream.closed && !downstream.destroyed) downstream.respond(sent, { endStream: true });
    const { code, details } = statusOf(sent as IncomingHttpHeaders);
    hooks.onEnd(code, details);
    return { abort: () => undefined };
  }
  let trailers: OutgoingHttpHeaders | undefined;
  let final: { code: status; details: string } | undefined;
  let failure: unknown;
  const endWith = (code: status, details: string) => {
    if (final) return;
    final = { code, details };
    trailers = statusTrailers(code, details);
    upstream.unpipe(downstream);
    if (!downstream.writableEnded && !downstream.destroyed) downstream.end();
  };
  downstream.respond(responseHeadersFrom(headers), { waitForTrailers: true });
  downstream.once('wantTrailers', () => {
    const sent = trailers ?? statusTrailers(status.INTERNAL, 'runner response ended without trailers');
    downstream.sendTrailers(sent);
    const { code, details } = final ?? statusOf(sent as IncomingHttpHeaders);
    hooks.onEnd(code, details);
  });
  upstream.on('trailers', (received: IncomingHttpHeaders) => {
    if (!final) trailers = responseHeadersFrom(received);
  });
  upstream.on('error', (error) => (failure = error));
  upstream.on('close', () => {
    if (trailers !== undefined || downstream.closed) return;
    const { code, details } = resetStatus(upstream.rstCode, failure);
    endWith(code, details);
  });
  upstream.pipe(downstream);
  return {
    abort(code, details) {
      endWith(code, details);
      if (!upstream.closed) upstream.close(constants.NGHTTP2_CANCEL);
    },
  };
}
