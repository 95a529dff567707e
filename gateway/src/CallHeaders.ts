/**
 * The caller's metadata as observers read it, over whatever form a forwarding path has it
 * in: grpc-js Metadata, or the HTTP/2 request headers themselves (nothing is copied or
 * built per call for observers that never look).
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { Metadata } from '@grpc/grpc-js';

/** Text headers of a call; names are lowercase. */
export interface CallHeaders {
  /** The values of one header; empty when the caller sent none. */
  get(name: string): string[];
  /** Whether the caller sent the header: a check on every call that builds nothing. */
  has(name: string): boolean;
  /** The names of the headers the caller sent. */
  names(): string[];
}

/** A call without headers. */
export const NO_CALL_HEADERS: CallHeaders = { get: () => [], has: () => false, names: () => [] };

/** Headers that are the transport's, not the caller's metadata (grpc-js's server drops the same). */
export const TRANSPORT_HEADERS: ReadonlySet<string> = new Set(['grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding', 'te', 'content-type']);

const isMetadata = (name: string) => name.charCodeAt(0) !== 0x3a && !TRANSPORT_HEADERS.has(name);

/** CallHeaders over grpc-js Metadata. */
export function metadataCallHeaders(metadata: Metadata): CallHeaders {
  return {
    get: (name) => metadata.get(name).filter((value): value is string => typeof value === 'string'),
    has: (name) => metadata.get(name).some((value) => typeof value === 'string'),
    names: () => Object.keys(metadata.getMap()),
  };
}

/** CallHeaders over a call's HTTP/2 request headers: pseudo and transport headers left out. */
export function http2CallHeaders(headers: IncomingHttpHeaders): CallHeaders {
  return {
    get(name) {
      if (!isMetadata(name)) return [];
      const value = headers[name];
      return value === undefined ? [] : Array.isArray(value) ? value : [value];
    },
    has: (name) => isMetadata(name) && headers[name] !== undefined,
    names: () => Object.keys(headers).filter(isMetadata),
  };
}
