/** Which HTTP/2 headers cross the forwarder, and the headers of a status the forwarder answers itself. */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import type { status } from '@grpc/grpc-js';

/** Connection-specific headers: HTTP/2 forbids them, and they describe the hop, not the call. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'host', 'http2-settings']);

/**
 * The caller's request headers for the gateway's own grpc-js server on `path` (calls relayed
 * as they came; runners get only what RunnerHeaders lets through): metadata, `grpc-timeout`,
 * `te`, `content-type` and trace headers pass; pseudo and hop-by-hop headers do not (the
 * session sets `:authority` and `:scheme` of its own).
 */
export function requestHeadersFor(headers: IncomingHttpHeaders, path: string): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = { ':method': 'POST', ':path': path };
  for (const key in headers) {
    if (key.charCodeAt(0) === 0x3a || HOP_BY_HOP.has(key)) continue;
    out[key] = headers[key];
  }
  return out;
}

/** Response headers or trailers of the next hop for the caller: `:status` is the only pseudo header kept. */
export function responseHeadersFrom(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const key in headers) {
    if ((key.charCodeAt(0) === 0x3a && key !== ':status') || HOP_BY_HOP.has(key)) continue;
    out[key] = headers[key];
  }
  return out;
}

/** True when a response's first headers are its trailers too (an answer without a message). */
export function isTrailersOnly(headers: IncomingHttpHeaders): boolean {
  return headers['grpc-status'] !== undefined;
}

/** The status a response's trailers carry; `grpc-message` is percent-decoded. */
export function statusOf(trailers: IncomingHttpHeaders): { code: status; details: string } {
  const code = Number(trailers['grpc-status'] ?? 2) as status;
  const raw = trailers['grpc-message'];
  let details = typeof raw === 'string' ? raw : '';
  try {
    details = decodeURIComponent(details);
  } catch {
    // Not percent-encoded after all: keep it as sent.
  }
  return { code, details };
}

/**
 * `grpc-message` as the gRPC protocol percent-encodes it: printable ASCII but '%' stays as
 * it is, everything else becomes its UTF-8 bytes as %XX. (encodeURIComponent would also
 * encode ',', ' ' and the like, which grpc-js and other clients show undecoded.)
 */
export function encodeGrpcMessage(details: string): string {
  return details.replace(/[^\x20-\x24\x26-\x7e]+/g, (run) =>
    [...Buffer.from(run, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/** Trailers (or trailers-only headers, with `:status`) carrying a status the forwarder sets itself. */
export function statusTrailers(code: status, details: string): OutgoingHttpHeaders {
  return { 'grpc-status': String(code), 'grpc-message': encodeGrpcMessage(details) };
}

/** A trailers-only answer: the status and nothing else. */
export function trailersOnly(code: status, details: string): OutgoingHttpHeaders {
  return { ':status': 200, 'content-type': 'application/grpc', ...statusTrailers(code, details) };
}
