/**
 * ModelInfer answered on the runner's HTTP/2 front without grpc-js: the request's one
 * message is read off the stream within the message size limit, read by the same
 * deserializer and run by the same `infer` as on the grpc-js server, and the response goes
 * back as one frame and its trailers. A compressed message goes to the grpc-js server, which
 * knows the call's grpc-encoding.
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import {
  answerStatus,
  FRAME_HEADER_BYTES,
  GrpcFrameReader,
  reportError,
  SHADOW_CALL_HEADER,
  SHADOW_SHED_DETAILS,
  ServiceError,
  spansCanRecord,
  startDeadline,
  type Logger,
  type ReadSoFar,
} from '@infermesh/common';
import type { ModelInferRequest__Output, ModelInferResponse } from '@infermesh/proto';
import type { RunnerInfer } from './inference-service.js';

/** What {@link serveModelInfer} needs. */
export interface H2ModelInferDeps {
  maxMessageBytes: number;
  /** The request as the grpc-js server's deserializer reads it (never throws). */
  readRequest: (bytes: Buffer) => ModelInferRequest__Output;
  infer: RunnerInfer;
  serialize: (response: ModelInferResponse) => Buffer;
  logger: Logger;
  /** Whether a shadow copy for this request's version is shed (see SHADOW_CALL_HEADER). */
  shedsShadowCopy(request: ModelInferRequest__Output): boolean;
  /** Hands the stream to the grpc-js server with what was read of it. */
  relay(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, read: ReadSoFar): void;
}

/** Metadata for calls whose span cannot record: the span helpers never read it. */
const NO_METADATA = new grpc.Metadata();

/** The response headers of a gRPC answer that carries messages. */
export const RESPONSE_HEADERS = { ':status': 200, 'content-type': 'application/grpc' };

/** A call's request metadata for `infer`, read from its headers only when its span can record. */
export function callMetadata(headers: IncomingHttpHeaders): grpc.Metadata {
  return spansCanRecord() ? grpc.Metadata.fromHttp2Headers(headers) : NO_METADATA;
}

/** The response's bytes; RESOURCE_EXHAUSTED when they are over the message limit. */
export function serializeWithin(deps: H2ModelInferDeps, response: ModelInferResponse): Buffer {
  const bytes = deps.serialize(response);
  if (bytes.length > deps.maxMessageBytes) throw ServiceError.resourceExhausted(`the response is ${bytes.length} bytes, more than the limit of ${deps.maxMessageBytes}`);
  return bytes;
}
const OK_TRAILERS = { 'grpc-status': '0' };

/** Answers one ModelInfer stream. */
export function serveModelInfer(deps: H2ModelInferDeps, stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
  const reader = new GrpcFrameReader(deps.maxMessageBytes);
  const controller = new AbortController();
  let done = false;
  const answer = (code: grpc.status, details: string) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    answerStatus(stream, code, details);
  };
  const fail = (error: unknown) => {
    const { code, details } = reportError(deps.logger, 'ModelInfer', error);
    answer(code, details);
  };
  const { timer } = startDeadline(headers['grpc-timeout'], () => {
    controller.abort(ServiceError.deadlineExceeded('deadline exceeded'));
    answer(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded');
  });
  stream.on('error', () => undefined);
  stream.on('close', () => {
    clearTimeout(timer);
    if (done) return;
    done = true;
    controller.abort(ServiceError.cancelled('call cancelled by the caller'));
  });
  stream.on('data', (chunk: Buffer) => {
    if (done) return;
    try {
      reader.push(chunk);
    } catch (error) {
      fail(error);
    }
  });
  stream.on('end', () => {
    if (done) return;
    let message;
    try {
      message = reader.finish();
    } catch (error) {
      fail(error);
      return;
    }
    if (message.compressed) {
      done = true;
      clearTimeout(timer);
      deps.relay(stream, headers, { chunks: reader.received, ended: true });
      return;
    }
    const request = deps.readRequest(message.message);
    if (headers[SHADOW_CALL_HEADER] !== undefined && deps.shedsShadowCopy(request)) {
      answer(grpc.status.RESOURCE_EXHAUSTED, SHADOW_SHED_DETAILS);
      return;
    }
    deps.infer(request, callMetadata(headers), controller.signal).then((response) => {
      if (done) return;
      let bytes: Buffer;
      try {
        bytes = serializeWithin(deps, response);
      } catch (error) {
        fail(error);
        return;
      }
      done = true;
      clearTimeout(timer);
      if (stream.closed || stream.destroyed) return;
      const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
      frame[0] = 0;
      frame.writeUInt32BE(bytes.length, 1);
      stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers(OK_TRAILERS));
      stream.write(frame);
      stream.end(bytes);
    }, fail);
  });
}
