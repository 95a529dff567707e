/** The caller's metadata of an HTTP/2-forwarded call as grpc-js Metadata, for the span context only: made only when a span is. */
import type { IncomingHttpHeaders } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { TRANSPORT_HEADERS } from '../CallHeaders.js';


/** A reader of the call's metadata that builds it on first use and keeps it. */
export function lazyMetadata(headers: IncomingHttpHeaders): () => grpc.Metadata {
  let metadata: grpc.Metadata | undefined;
  return () => {
    if (!metadata) {
      metadata = grpc.Metadata.fromHttp2Headers(headers);
      for (const key of TRANSPORT_HEADERS) metadata.remove(key);
    }
    return metadata;
  };
}

/** The first value of an HTTP/2 header, as routing reads headers. */
export const firstValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
