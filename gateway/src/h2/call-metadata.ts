/** The caller's metadata of an HTTP/2-forwarded call, as grpc-js would hand it to a handler, made only when read. */
import type { IncomingHttpHeaders } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import type { InferEvent } from '../InferObserver.js';

/** Headers that are the transport's, not the caller's metadata (grpc-js's server drops the same). */
const NOT_METADATA = ['grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding', 'te', 'content-type'];

/** A reader of the call's metadata that builds it on first use and keeps it. */
export function lazyMetadata(headers: IncomingHttpHeaders): () => grpc.Metadata {
  let metadata: grpc.Metadata | undefined;
  return () => {
    if (!metadata) {
      metadata = grpc.Metadata.fromHttp2Headers(headers);
      for (const key of NOT_METADATA) metadata.remove(key);
    }
    return metadata;
  };
}

/** An InferEvent whose `metadata` is built only if an observer reads it (most never do). */
export function eventWithMetadata(fields: Omit<InferEvent, 'metadata'>, metadata: () => grpc.Metadata): InferEvent {
  return Object.defineProperty(fields, 'metadata', { get: metadata, enumerable: true }) as InferEvent;
}

/** The first value of an HTTP/2 header, as routing reads headers. */
export const firstValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);
