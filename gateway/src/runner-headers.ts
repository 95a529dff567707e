/**
 * Which of the caller's headers go on to a runner: only what the mesh needs (the trace
 * context, and on the HTTP/2 path the transport's own headers: deadline, framing, encoding)
 * plus the names `gateway.passThroughHeaders` declares. Everything else the caller sent
 * (authorization, cookies, any metadata) stays at the gateway. The lists are fixed at start;
 * a call copies only the names on them, never walks the caller's headers.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { Metadata } from '@grpc/grpc-js';

/** The trace context (W3C): the runner's spans hang below the gateway's. */
const TRACE_HEADERS = ['traceparent', 'tracestate'];
/** The gRPC transport's request headers a runner needs on the HTTP/2 path (grpc-js sets its own). */
export const TRANSPORT_HEADERS: readonly string[] = ['content-type', 'te', 'grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding'];

export class RunnerHeaders {
  /** Names copied into a grpc-js call's Metadata. */
  private readonly metadataNames: readonly string[];
  /** Names copied into an HTTP/2 request. */
  private readonly http2Names: readonly string[];

  /** `passThrough`: lowercase metadata names the runners are meant to see (`gateway.passThroughHeaders`). */
  constructor(passThrough: readonly string[] = []) {
    this.metadataNames = [...new Set([...TRACE_HEADERS, ...passThrough])];
    this.http2Names = [...new Set([...TRANSPORT_HEADERS, ...this.metadataNames])];
  }

  /** The Metadata of a runner call made through grpc-js for a caller's `metadata`. */
  metadataFor(metadata: Metadata): Metadata {
    const out = new Metadata();
    for (const name of this.metadataNames) {
      const values = metadata.get(name);
      for (let i = 0; i < values.length; i++) out.add(name, values[i]!);
    }
    return out;
  }

  /** The HTTP/2 request headers of a runner call on `path` for a caller's request `headers`. */
  http2For(headers: IncomingHttpHeaders, path: string): OutgoingHttpHeaders {
    const out: OutgoingHttpHeaders = { ':method': 'POST', ':path': path };
    for (const name of this.http2Names) {
      const value = headers[name];
      if (value !== undefined) out[name] = value;
    }
    return out;
  }
}
