/**
 * The JSON documents the sink spools and delivers: a gateway's prediction record, or a
 * source message that could not become an inference (a dead letter).
 */
import type { PredictionRecord__Output, ShadowComparison__Output } from '@infermesh/proto/sink';
import type { TensorJson } from '@infermesh/common';
import { tensorJson } from './tensor-json.js';

/** One inference, as every destination receives it. */
export interface PredictionDocument {
  kind: 'prediction';
  id: string;
  /** RFC 3339, UTC, when the gateway received the request. */
  time: string;
  requestId: string;
  modelName: string;
  modelVersion: string;
  requestedVersion: string;
  runner: string;
  device: string;
  latencyMs: number;
  /** gRPC status code name. */
  status: string;
  /** The error's details; '' on OK. */
  error: string;
  outputs: TensorJson[];
  /** Present only for models whose inputs the gateway captures. */
  inputs?: TensorJson[];
  headers: Record<string, string>;
  traceId: string;
  /** W3C traceparent of the gateway's span for the call, when it was traced. */
  traceparent?: string;
  /** True when the tensors were left out for size. */
  tensorsOmitted?: true;
  /**
   * Present only on a shadow version's answer to a copy of a call (no caller saw it); its
   * requestId and time are the primary call's, so the two documents pair up.
   */
  shadow?: ShadowDocument;
}

/** How a shadow answer compared with the primary's. */
export interface ShadowDocument {
  /** The version that answered the caller. */
  primaryVersion: string;
  exact: boolean;
  agrees: boolean;
  maxAbsDiff: number;
  maxRelDiff: number;
  /** Why the answers could not be compared, when they could not. */
  mismatch?: string;
}

/** A source message that could not be turned into an inference, with the reason. */
export interface DeadLetterDocument {
  kind: 'dead-letter';
  id: string;
  time: string;
  /** The source's name. */
  source: string;
  /** nats, mqtt or redis. */
  sourceType: string;
  /** Subject, topic or stream the message came from. */
  channel: string;
  reason: string;
  /** The message as received (UTF-8; bytes that are not valid UTF-8 are replaced), cut at 64 KiB. */
  message: string;
  /** The message's size in bytes, which `message` may not show in full. */
  messageBytes: number;
}

/** Anything the sink spools. */
export type SinkDocument = PredictionDocument | DeadLetterDocument;

function isoTime(unixMs: string | number): string {
  const ms = Number(unixMs);
  return new Date(Number.isFinite(ms) && ms > 0 ? ms : Date.now()).toISOString();
}

/** A decoded PublishRequest record as its document; `omitTensors` drops outputs and inputs. */
export function predictionDocument(record: PredictionRecord__Output, omitTensors = false): PredictionDocument {
  const document: PredictionDocument = {
    kind: 'prediction',
    id: record.record_id,
    time: isoTime(record.time_unix_ms),
    requestId: record.request_id,
    modelName: record.model_name,
    modelVersion: record.model_version,
    requestedVersion: record.requested_version,
    runner: record.runner,
    device: record.device,
    latencyMs: record.latency_ms,
    status: record.status || 'OK',
    error: record.error,
    outputs: omitTensors ? [] : record.outputs.map(tensorJson),
    headers: { ...record.headers },
    traceId: record.trace_id,
  };
  if (!omitTensors && record.inputs.length > 0) document.inputs = record.inputs.map(tensorJson);
  if (record.traceparent) document.traceparent = record.traceparent;
  if (omitTensors || record.tensors_omitted) document.tensorsOmitted = true;
  if (record.shadow) document.shadow = shadowDocument(record.shadow);
  return document;
}

function shadowDocument(shadow: ShadowComparison__Output): ShadowDocument {
  const document: ShadowDocument = {
    primaryVersion: shadow.primary_version,
    exact: shadow.exact,
    agrees: shadow.agrees,
    // JSON has no Infinity: a NaN against a number is the largest finite difference.
    maxAbsDiff: Math.min(shadow.max_abs_diff, Number.MAX_VALUE),
    maxRelDiff: Math.min(shadow.max_rel_diff, Number.MAX_VALUE),
  };
  if (shadow.mismatch) document.mismatch = shadow.mismatch;
  return document;
}
