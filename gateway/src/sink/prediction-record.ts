/**
 * Turns an InferEvent into the prediction record published to the sink: the event's small
 * fields, and the serialized response (and request, for models whose inputs are captured)
 * as they are. Nothing is decoded here; the sink turns the messages into tensors. Runs in
 * the publisher's own turn of the event loop, never inside a predict call.
 */
import { status } from '@grpc/grpc-js';
import { isCredentialHeader } from '@infermesh/common';
import type { PredictionRecord, ShadowComparison } from '@infermesh/proto/sink';
import type { InferEvent, ShadowOutcome } from '../InferObserver.js';
import { traceIdOf, traceIdOfTraceparent } from './trace-id.js';

/** What goes into records beyond the event itself. */
export interface RecordOptions {
  /** Models whose inputs are recorded; contains '*' for every model. */
  captureInputs: ReadonlySet<string>;
  /** Metadata headers copied into records (lowercase names); '*' copies every header but those never recorded. */
  headers: readonly string[];
  /** Bytes of the serialized response (+ request, when captured) above which a record goes without tensors. */
  maxTensorBytes: number;
  /** The device of a runner's version, when the gateway knows it. */
  deviceOf?: (runner: string, model: string, version: string) => string;
}

/** A header value longer than this is cut. */
const MAX_HEADER_CHARS = 1024;
/** Headers one record keeps at most with '*'. */
const MAX_WILDCARD_HEADERS = 32;
/** Never recorded by '*': transport headers and the trace context (the record has the trace id). */
const NEVER_RECORDED = new Set(['te', 'content-type', 'user-agent', 'accept-encoding', 'traceparent', 'tracestate']);

/** Credentials (by name pattern) are never recorded, not even when named: they must not end up in data destinations. */
const recordable = (name: string) =>
  !NEVER_RECORDED.has(name) && !name.startsWith('grpc-') && !name.startsWith(':') && !name.endsWith('-bin') && !isCredentialHeader(name);

/** The configured header names a record may carry: the list less credentials (by name pattern). */
export function recordedHeaderNames(configured: readonly string[]): string[] {
  return configured.filter((name) => !isCredentialHeader(name.toLowerCase()));
}

function wantsInputs(options: RecordOptions, model: string): boolean {
  return options.captureInputs.has('*') || options.captureInputs.has(model);
}

function headersOf(event: InferEvent, configured: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  // A named credential is refused by the config schema; the filter holds for any other caller of this function too.
  const names = configured.includes('*')
    ? event.headers.names().filter(recordable).slice(0, MAX_WILDCARD_HEADERS)
    : configured.filter((name) => !isCredentialHeader(name));
  for (const name of names) {
    const values = event.headers.get(name);
    if (values.length > 0) headers[name] = values.join(', ').slice(0, MAX_HEADER_CHARS);
  }
  return headers;
}

const NO_BYTES = Buffer.alloc(0);

/** The serialized messages a record carries to the sink, which decodes them. */
export interface RecordMessages {
  response: Buffer;
  /** Empty unless the model's inputs are captured. */
  request: Buffer;
}

/**
 * What of `event` its record carries: the response, and the request when the model's inputs
 * are captured; undefined when together they are over `maxTensorBytes`. Judged on the
 * messages as serialized (the tensors are most of them), so nothing is decoded.
 */
export function recordMessages(event: InferEvent, options: RecordOptions): RecordMessages | undefined {
  const request = wantsInputs(options, event.modelName) ? event.request : NO_BYTES;
  // The size first: a response over the bound is never put together (HTTP/2 path).
  if (event.responseBytes + request.byteLength > options.maxTensorBytes) return undefined;
  return { response: event.response ?? NO_BYTES, request };
}

/** The record of one inference, carrying `messages` (undefined: the tensors were left out for size). */
export function predictionRecord(event: InferEvent, messages: RecordMessages | undefined, recordId: string, options: RecordOptions): PredictionRecord {
  return {
    record_id: recordId,
    time_unix_ms: event.receivedAt,
    request_id: event.requestId,
    model_name: event.modelName,
    model_version: event.version,
    requested_version: event.requestedVersion,
    runner: event.runner,
    device: event.runner && options.deviceOf ? options.deviceOf(event.runner, event.modelName, event.version) : '',
    latency_ms: event.latencyMs,
    status: status[event.code] ?? String(event.code),
    error: event.details,
    response: messages?.response ?? NO_BYTES,
    request: messages?.request ?? NO_BYTES,
    headers: headersOf(event, options.headers),
    // The gateway's span shares the caller's trace when it sent one, and starts one otherwise.
    trace_id: traceIdOfTraceparent(event.traceparent) || traceIdOf(event.headers),
    traceparent: event.traceparent,
    tensors_omitted: messages === undefined,
    // Only on a shadow's answer: records of answered calls stay as they were.
    ...(event.shadow ? { shadow: shadowComparison(event.shadow) } : {}),
  };
}

/** A shadow outcome as the record's message. */
function shadowComparison({ primaryVersion, comparison }: ShadowOutcome): ShadowComparison {
  if (!comparison) return { primary_version: primaryVersion };
  return {
    primary_version: primaryVersion,
    exact: comparison.exact,
    agrees: comparison.agrees,
    max_abs_diff: comparison.maxAbsDiff,
    max_rel_diff: comparison.maxRelDiff,
    mismatch: comparison.mismatch ?? '',
  };
}
