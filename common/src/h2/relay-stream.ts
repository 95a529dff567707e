/** Forwards a whole call, both directions, to another gRPC server (the gateway's grpc-js server). */
import { constants, type ClientHttp2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { status } from '@grpc/grpc-js';
import { requestHeadersFor } from './grpc-headers.js';
import { answerStatus, relayResponse } from './relay-response.js';
import { resetStatus } from './reset-status.js';

/** Bytes already read from the caller, and whether its side had ended. */
export interface ReadSoFar {
  chunks: readonly Buffer[];
  ended: boolean;
}

/**
 * Sends the call on `session` as it came: request headers and DATA, the caller's
 * RST_STREAM as a cancel; the answer comes back through {@link relayResponse}.
 */
export function relayStream(downstream: ServerHttp2Stream, headers: IncomingHttpHeaders, session: () => ClientHttp2Session, read?: ReadSoFar): void {
  downstream.on('error', () => undefined);
  let upstream;
  try {
    upstream = session().request(requestHeadersFor(headers, String(headers[':path'])));
  } catch (error) {
    answerStatus(downstream, status.UNAVAILABLE, `gateway internal server unreachable: ${(error as Error).message}`);
    return;
  }
  let failure: unknown;
  let answered = false;
  upstream.on('error', (error) => (failure = error));
  upstream.once('response', (responseHeaders) => {
    answered = true;
    relayResponse(upstream, downstream, responseHeaders, { onEnd: () => undefined });
  });
  upstream.on('close', () => {
    if (answered) return;
    const { code, details } = resetStatus(upstream.rstCode, failure);
    answerStatus(downstream, code, details);
  });
  downstream.on('close', () => {
    if (!upstream.closed) upstream.close(constants.NGHTTP2_CANCEL);
  });
  for (const chunk of read?.chunks ?? []) upstream.write(chunk);
  if (read?.ended) upstream.end();
  else downstream.pipe(upstream);
}
