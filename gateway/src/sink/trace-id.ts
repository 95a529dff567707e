/** The W3C trace id of a call, from its `traceparent` metadata header. */
import type { OutgoingHttpHeaders } from 'node:http2';
import type { CallHeaders } from '../CallHeaders.js';

// version-traceid-parentid-flags; version ff is invalid, an all-zero id is invalid.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-|$)/;

/** The 32-hex-digit trace id of a `traceparent` value, or '' when it is malformed. */
export function traceIdOfTraceparent(value: string): string {
  const match = TRACEPARENT.exec(value.trim());
  if (!match || match[1] === 'ff' || /^0+$/.test(match[2]!)) return '';
  return match[2]!;
}

/**
 * `{ trace_id }` of the trace context in a runner-bound request's headers (the gateway's span,
 * or the caller's traceparent passed on), for a log line about the call; {} without one.
 */
export function logTraceId(headers: OutgoingHttpHeaders | undefined): { trace_id?: string } {
  const value = headers?.traceparent;
  const traceId = typeof value === 'string' ? traceIdOfTraceparent(value) : '';
  return traceId === '' ? {} : { trace_id: traceId };
}

/** The 32-hex-digit trace id, or '' when the header is absent or malformed. */
export function traceIdOf(headers: CallHeaders): string {
  const value = headers.get('traceparent')[0];
  return value === undefined ? '' : traceIdOfTraceparent(value);
}
