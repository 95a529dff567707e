/**
 * One ModelStreamInfer forwarded at the HTTP/2 level: each request message is read off the
 * caller's stream, routed on its own (a stream may mix models and versions, and a canary
 * split applies per message, as on the grpc-js path), sent to a runner as a ModelInfer and
 * answered in request order, up to STREAM_MAX_IN_FLIGHT at once. A message that fails gets
 * its error in place (`error_message`), and the stream goes on.
 */
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { answerStatus, assertModelAllowed, endSpan, framePieces, GrpcMessageSplitter, type InferRequestHeader, injectHeaders, type Principal, readInferRequestHeader, reportError, ServiceError, spansCanRecord, startDeadline, startServerSpan, statusTrailers, toGrpcStatus, traceparentOf } from '@infermesh/common';
import { MODEL_INFER_PATH, MODEL_STREAM_INFER_PATH } from '@infermesh/proto';
import { STREAM_MAX_IN_FLIGHT, streamErrorResponse, wrapStreamResponse } from '../wire.js';
import { http2CallHeaders } from '../CallHeaders.js';
import type { InferEvent } from '../InferObserver.js';
import { firstValue, lazyMetadata } from './call-metadata.js';
import { forwardMessage } from './forward-message.js';
import type { H2InferDeps } from './H2InferDeps.js';


export class ForwardedStream {
  private readonly abort = new AbortController();
  private readonly deadline: number;
  private readonly timer: NodeJS.Timeout | undefined;
  /** Splits what the caller sends into its messages. */
  private readonly splitter: GrpcMessageSplitter;
  /** Answers by request order; written as soon as all before them are. */
  private readonly answers = new Map<number, Buffer>();
  private nextRequest = 0;
  private nextAnswer = 0;
  private inputEnded = false;
  private done = false;
  private readonly callMetadata: () => grpc.Metadata;

  constructor(
    private readonly deps: H2InferDeps,
    private readonly downstream: ServerHttp2Stream,
    private readonly headers: IncomingHttpHeaders,
    /** Who the caller's token speaks for, when the gateway checks tokens. */
    private readonly principal?: Principal,
  ) {
    this.callMetadata = lazyMetadata(headers);
    this.splitter = new GrpcMessageSplitter(deps.maxMessageBytes, (message, compressed) => {
      // Compressed streams go to grpc-js whole (start-h2-front checks grpc-encoding); a flag without one is an error.
      if (compressed) throw ServiceError.internal('a compressed message in a stream without grpc-encoding');
      this.handle(this.nextRequest++, message);
    });
    ({ deadline: this.deadline, timer: this.timer } = startDeadline(headers['grpc-timeout'], () => this.end(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded')));
    downstream.on('error', () => undefined);
    downstream.on('close', () => {
      this.abort.abort();
      this.done = true;
      clearTimeout(this.timer);
    });
    downstream.on('data', (chunk: Buffer) => this.read(chunk));
    downstream.on('end', () => {
      this.inputEnded = true;
      if (this.splitter.partial) this.end(grpc.status.INTERNAL, 'the request stream ended inside a gRPC message');
      else this.maybeFinish();
    });
  }

  private read(chunk: Buffer): void {
    if (this.done) return;
    try {
      this.splitter.push(chunk);
    } catch (error) {
      const { code, details } = toGrpcStatus(error);
      this.end(code, details);
      return;
    }
    if (this.nextRequest - this.nextAnswer >= STREAM_MAX_IN_FLIGHT) this.downstream.pause();
  }

  /** Forwards one message and files its answer (or its error, in place). */
  private handle(index: number, message: Buffer): void {
    const receivedAt = Date.now();
    const started = performance.now();
    let header: InferRequestHeader = { modelName: '', modelVersion: '', id: '', sequenceStart: false, sequenceEnd: false };
    const trace = { runner: '' };
    let version = '';
    let traced: ReturnType<typeof startServerSpan> | undefined;
    const answer = async (): Promise<Buffer> => {
      header = readInferRequestHeader(message);
      if (this.principal) assertModelAllowed(this.principal, header.modelName);
      this.deps.observers.admit();
      // Each message is a call of its own, with its own span, as on the grpc-js path.
      if (spansCanRecord()) traced = startServerSpan(MODEL_STREAM_INFER_PATH, this.callMetadata(), { 'model.name': header.modelName });
      version = this.deps.router.chooseVersion(header.modelName, header.modelVersion, (name) => firstValue(this.headers[name]), header).version;
      traced?.span.setAttribute('model.version', version);
      const outgoing = this.deps.runnerHeaders.http2For(this.headers, MODEL_INFER_PATH);
      if (traced) injectHeaders(outgoing, traced.ctx);
      return forwardMessage(this.deps, { header, message, version, outgoing, deadline: this.deadline, signal: this.abort.signal, trace });
    };
    const tell = (code: grpc.status, details: string, response: Buffer | undefined) => {
      if (!this.deps.observers.listening) return;
      const event: InferEvent = {
        headers: http2CallHeaders(this.headers),
        modelName: header.modelName,
        requestedVersion: header.modelVersion,
        version,
        requestId: header.id,
        runner: trace.runner,
        code,
        details,
        latencyMs: performance.now() - started,
        receivedAt,
        request: message,
        response,
        responseBytes: response?.byteLength ?? 0,
        traceparent: traced ? traceparentOf(traced.ctx) : '',
      };
      this.deps.observers.notify(event);
    };
    answer().then(
      (response) => {
        if (traced) endSpan(traced.span);
        tell(grpc.status.OK, '', response);
        this.file(index, wrapStreamResponse(response));
      },
      (error: unknown) => {
        if (traced) endSpan(traced.span, error);
        const { details } = reportError(this.deps.logger, 'ModelStreamInfer', error);
        // A message that could not be read reached no observer, as on the unary path.
        if (header.modelName !== '') tell(toGrpcStatus(error).code, details, undefined);
        this.file(index, streamErrorResponse(header, details));
      },
    );
  }

  /** Keeps an answer and writes every answer whose turn has come. */
  private file(index: number, answer: Buffer): void {
    if (this.done) return;
    this.answers.set(index, answer);
    for (let next = this.answers.get(this.nextAnswer); next !== undefined; next = this.answers.get(this.nextAnswer)) {
      this.answers.delete(this.nextAnswer++);
      if (!this.downstream.headersSent) this.downstream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      for (const piece of framePieces([next])) this.downstream.write(piece);
    }
    if (this.downstream.isPaused() && this.nextRequest - this.nextAnswer < STREAM_MAX_IN_FLIGHT) this.downstream.resume();
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.inputEnded && this.nextAnswer === this.nextRequest) this.end(grpc.status.OK, '');
  }

  /** Ends the caller's stream with a status, once; messages still running are cancelled. */
  private end(code: grpc.status, details: string): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    if (code !== grpc.status.OK) this.abort.abort();
    const downstream = this.downstream;
    if (downstream.closed || downstream.destroyed) return;
    if (!downstream.headersSent) {
      answerStatus(downstream, code, details);
      return;
    }
    downstream.once('wantTrailers', () => downstream.sendTrailers(statusTrailers(code, details)));
    downstream.end();
  }
}
