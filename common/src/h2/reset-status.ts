/** The gRPC status a caller gets when the next hop's stream breaks, as grpc-js's client maps it. */
import { constants } from 'node:http2';
import { status } from '@grpc/grpc-js';

/**
 * The status of a stream closed with `rstCode` or failed with `error` before its trailers
 * came: a refused stream or a connection that failed or went away (`connectionLost`: its
 * session is gone) is UNAVAILABLE (safe to retry), a cancel CANCELLED, ENHANCE_YOUR_CALM
 * RESOURCE_EXHAUSTED, anything else INTERNAL.
 */
export function resetStatus(rstCode: number | undefined, error: unknown, connectionLost = false): { code: status; details: string } {
  // A runner that died or dropped its connection cancels every stream on it: to the caller
  // that is UNAVAILABLE (and may go to another runner), as grpc-js's client reports it.
  if (connectionLost) return { code: status.UNAVAILABLE, details: 'the connection to the runner was lost' };
  const errorCode = (error as { code?: unknown } | undefined)?.code;
  const reset = errorCode === undefined || errorCode === 'ERR_HTTP2_STREAM_ERROR';
  if (!reset) return { code: status.UNAVAILABLE, details: `runner connection failed (${String(errorCode)})` };
  switch (rstCode) {
    case constants.NGHTTP2_REFUSED_STREAM:
      return { code: status.UNAVAILABLE, details: 'stream refused by the runner' };
    case constants.NGHTTP2_CANCEL:
      return { code: status.CANCELLED, details: 'call cancelled by the runner' };
    case constants.NGHTTP2_ENHANCE_YOUR_CALM:
      return { code: status.RESOURCE_EXHAUSTED, details: 'the runner asked to slow down' };
    case constants.NGHTTP2_INADEQUATE_SECURITY:
      return { code: status.PERMISSION_DENIED, details: 'protocol not secure enough' };
    default:
      return { code: status.INTERNAL, details: `runner stream closed (code ${rstCode ?? 'none'})` };
  }
}
