/**
 * What the gateway tells interested parties after every inference it forwarded (unary or
 * stream): the sink publisher turns it into a prediction record, the registry reporter
 * into per-version counts and latency. Observers run after the caller has its answer and
 * must not throw or block; anything slow belongs in their own queue.
 */
import type { status } from '@grpc/grpc-js';
import type { ResponseComparison } from '@infermesh/common';
import type { CallHeaders } from './CallHeaders.js';

/** What a shadow call's event adds: whose copy it answered, and how the answers compared. */
export interface ShadowOutcome {
  /** The version that answered the caller. */
  primaryVersion: string;
  /** Undefined when the shadow call failed (nothing to compare). */
  comparison: ResponseComparison | undefined;
}

/** One forwarded inference. */
export interface InferEvent {
  modelName: string;
  /** The version the request asked for ('' when none). */
  requestedVersion: string;
  /** The version the runner was asked to run ('' when the request named none and no route resolved it). */
  version: string;
  requestId: string;
  /** The runner that answered last (after retries), or '' when none was reached. */
  runner: string;
  /** OK or the error's code. */
  code: status;
  /** The error's details; '' on success. */
  details: string;
  /** Wall time at the gateway, ms. */
  latencyMs: number;
  /** Epoch ms when the gateway received the request. */
  receivedAt: number;
  /** The caller's metadata (text headers). */
  headers: CallHeaders;
  /** Serialized ModelInferRequest as received. */
  request: Buffer;
  /**
   * Serialized ModelInferResponse, when the call succeeded. On the HTTP/2 path it is put
   * together from the DATA chunks on first read: an observer that only needs its size reads
   * `responseBytes`, which costs nothing.
   */
  readonly response: Buffer | undefined;
  /** Bytes of `response` (0 without one). */
  responseBytes: number;
  /** W3C traceparent of the gateway's span for the call; '' when tracing is off. */
  traceparent: string;
  /**
   * Set only on a shadow version's answer to a copy of a call (no caller saw it); its
   * requestId and receivedAt are the primary call's, which pairs the two records.
   */
  shadow?: ShadowOutcome;
}

/** Something that wants to know about every inference. */
export interface InferObserver {
  onInfer(event: InferEvent): void;
  /**
   * Called before a call is forwarded; throwing refuses the call with that error (the sink
   * publisher does, when records must never be lost and its buffer is full).
   */
  admit?(): void;
}
