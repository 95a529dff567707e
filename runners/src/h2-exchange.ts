/**
 * RunnerInfer.Exchange on the runner's HTTP/2 front: a gateway's ModelInfer calls, many on
 * one stream (runner.proto). Each call is read, run and answered as ModelInfer answers it
 * on its own stream (the same reader, `infer`, serializer, deadline and shadow shedding);
 * its answer goes back on the stream as soon as it is ready, tagged with the call's number.
 * A call the gateway cancels is aborted. The stream ends, with status OK, once the gateway
 * has ended its side and every call has been answered; a stream that cannot be read (a
 * message over the limit, bytes that are not an ExchangeRequest) ends with that error, and
 * its calls are aborted.
 */
import { constants, type ServerHttp2Stream } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import {
  EXCHANGE_FIELDS_BYTES,
  exchangeResponseHead,
  GrpcMessageSplitter,
  messageTooLarge,
  readExchangeRequest,
  reportError,
  SHADOW_CALL_HEADER,
  SHADOW_SHED_DETAILS,
  ServiceError,
  statusTrailers,
  toGrpcStatus,
  type ExchangeRequest,
} from '@infermesh/common';
import { callMetadata, RESPONSE_HEADERS, serializeWithin, type H2ModelInferDeps } from './h2-model-infer.js';

/** A call running on the stream. */
interface RunningCall {
  controller: AbortController;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Serves one Exchange stream. At most `maxCalls` run on it at once (the front's
 * `limits.maxConcurrentStreams`, as for calls on streams of their own): a call beyond is
 * answered RESOURCE_EXHAUSTED.
 */
export function serveExchange(deps: H2ModelInferDeps, stream: ServerHttp2Stream, maxCalls: number): void {
  const running = new Map<number, RunningCall>();
  let inputEnded = false;
  let closed = false;
  // The gateway keeps this stream open between calls and pings the session: no idle reset.
  stream.setTimeout(0);
  stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });

  /** Ends the stream with `code` (once); calls still running are aborted. */
  const end = (code: grpc.status, details: string) => {
    if (closed) return;
    closed = true;
    abortAll(ServiceError.cancelled('the exchange stream ended'));
    if (stream.closed || stream.destroyed) return;
    stream.once('wantTrailers', () => stream.sendTrailers(statusTrailers(code, details)));
    stream.end();
  };
  const abortAll = (reason: ServiceError) => {
    for (const call of running.values()) {
      clearTimeout(call.timer);
      call.controller.abort(reason);
    }
    running.clear();
  };
  const maybeFinish = () => {
    if (inputEnded && running.size === 0) end(grpc.status.OK, '');
  };
  /** Writes the answer of `call`, if it still runs. */
  const answer = (call: number, code: grpc.status, details: string, response?: Buffer) => {
    const entry = running.get(call);
    if (!entry) return;
    running.delete(call);
    clearTimeout(entry.timer);
    if (!closed && !stream.closed && !stream.destroyed) {
      stream.write(exchangeResponseHead(call, code, details, response?.length));
      if (response) stream.write(response);
    }
    maybeFinish();
  };
  const fail = (call: number, error: unknown) => {
    const { code, details } = reportError(deps.logger, 'ModelInfer', error);
    answer(call, code, details);
  };

  const start = (message: ExchangeRequest) => {
    const { call } = message;
    if (running.has(call)) throw ServiceError.invalidArgument(`call ${call} is already running on this exchange stream`);
    const full = running.size >= maxCalls;
    const controller = new AbortController();
    const timer =
      message.timeoutUs > 0
        ? setTimeout(() => {
            controller.abort(ServiceError.deadlineExceeded('deadline exceeded'));
            answer(call, grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded');
          }, Math.ceil(message.timeoutUs / 1000))
        : undefined;
    running.set(call, { controller, timer });
    if (full) {
      answer(call, grpc.status.RESOURCE_EXHAUSTED, `more than ${maxCalls} calls at once on one exchange stream (limits.maxConcurrentStreams)`);
      return;
    }
    if (message.request.length > deps.maxMessageBytes) {
      answer(call, grpc.status.RESOURCE_EXHAUSTED, messageTooLarge(message.request.length, deps.maxMessageBytes).details);
      return;
    }
    const request = deps.readRequest(message.request);
    if (message.headers[SHADOW_CALL_HEADER] !== undefined && deps.shedsShadowCopy(request)) {
      answer(call, grpc.status.RESOURCE_EXHAUSTED, SHADOW_SHED_DETAILS);
      return;
    }
    deps.infer(request, callMetadata(message.headers), controller.signal).then((response) => {
      if (!running.has(call)) return;
      let bytes: Buffer;
      try {
        bytes = serializeWithin(deps, response);
      } catch (error) {
        fail(call, error);
        return;
      }
      answer(call, grpc.status.OK, '', bytes);
    }, (error: unknown) => fail(call, error));
  };

  const onMessage = (bytes: Buffer, compressed: boolean) => {
    if (compressed) throw ServiceError.invalidArgument('the exchange stream takes no compressed messages');
    const message = readExchangeRequest(bytes);
    if (!message.cancel) {
      start(message);
      return;
    }
    const entry = running.get(message.call);
    if (!entry) return;
    const reason = ServiceError.cancelled('call cancelled by the caller');
    entry.controller.abort(reason);
    answer(message.call, grpc.status.CANCELLED, reason.message);
  };
  const splitter = new GrpcMessageSplitter(deps.maxMessageBytes + EXCHANGE_FIELDS_BYTES, onMessage);

  stream.on('error', () => undefined);
  stream.on('close', () => {
    closed = true;
    abortAll(ServiceError.cancelled('call cancelled by the caller'));
  });
  stream.on('data', (chunk: Buffer) => {
    if (closed) {
      // A caller still sending after the status is told to stop.
      if (!stream.closed) stream.close(constants.NGHTTP2_NO_ERROR);
      return;
    }
    try {
      splitter.push(chunk);
    } catch (error) {
      const { code, details } = toGrpcStatus(error);
      end(code, details);
    }
  });
  stream.on('end', () => {
    inputEnded = true;
    if (splitter.partial) end(grpc.status.INVALID_ARGUMENT, 'the exchange stream ended inside a message');
    else maybeFinish();
  });
}
