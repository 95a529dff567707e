/**
 * One ModelInfer forwarded at the HTTP/2 level: reads the request's one message, routes it
 * as the grpc-js path does (same Router, RetryPolicy, observers and spans), sends it on the
 * runner's pooled session (on its Exchange stream, or a stream of its own: RunnerRequest) and
 * passes the runner's whole answer back untouched. The answer is
 * collected before the caller sees any of it, so an attempt that breaks anywhere before the
 * runner's trailers can go to another runner.
 */
import { type IncomingHttpHeaders, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { trace as otelTrace, type Context, type Span } from '@opentelemetry/api';
import { answerStatus, assertModelAllowed, endSpan, FRAME_HEADER_BYTES, GrpcFrameReader, hidesUpstreamDetails, type InferRequestHeader, injectHeaders, type Principal, readInferRequestHeader, reportError, responseHeadersFrom, spansCanRecord, startChildSpan, startDeadline, startServerSpan, traceparentOf, type UnaryMessage, upstreamInternalDetails } from '@infermesh/common';
import { MODEL_INFER_PATH } from '@infermesh/proto';
import type { RunnerEndpoint } from '../RunnerEndpoint.js';
import { modelVersionParts } from '../wire.js';
import { http2CallHeaders } from '../CallHeaders.js';
import type { InferEvent } from '../InferObserver.js';
import { firstValue, lazyMetadata } from './call-metadata.js';
import type { H2InferDeps } from './H2InferDeps.js';
import { logTraceId } from '../sink/trace-id.js';
import { answerMessage, type RunnerAnswer, type RunnerAttempt } from './runner-exchange.js';
import { RunnerRequest } from './RunnerRequest.js';

const NONE_TRIED: ReadonlySet<RunnerEndpoint> = new Set();


export class ForwardedInfer {
  private readonly receivedAt = Date.now();
  private readonly started = performance.now();
  private readonly deadline: number;
  private timer: NodeJS.Timeout | undefined;
  private done = false;
  private header: InferRequestHeader | undefined;
  private readonly callMetadata: () => grpc.Metadata;
  private request: Buffer | undefined;
  /** What goes to the runner, attempt by attempt: pieces of the caller's bytes. */
  private runnerRequest: RunnerRequest | undefined;
  private outgoing: OutgoingHttpHeaders | undefined;
  private version = '';
  private runner = '';
  private attempts = 0;
  private tried: Set<RunnerEndpoint> | undefined;
  /** The attempt in flight; undefined between attempts. */
  private upstream: RunnerAttempt | undefined;
  /** The answer that went back, when observers listen. */
  private answered: RunnerAnswer | undefined;
  private span: Span | undefined;
  private ctx: Context | undefined;
  private routeSpan: Span | undefined;

  constructor(
    private readonly deps: H2InferDeps,
    private readonly downstream: ServerHttp2Stream,
    private readonly headers: IncomingHttpHeaders,
    /** Who the caller's token speaks for, when the gateway checks tokens. */
    private readonly principal?: Principal,
  ) {
    this.callMetadata = lazyMetadata(headers);
    ({ deadline: this.deadline, timer: this.timer } = startDeadline(headers['grpc-timeout'], () => this.onDeadline()));
    const reader = new GrpcFrameReader(deps.maxMessageBytes);
    downstream.on('error', () => undefined);
    downstream.on('close', () => this.onCallerClose());
    downstream.on('data', (chunk: Buffer) => {
      if (this.done) return;
      try {
        reader.push(chunk);
      } catch (error) {
        this.refuse(error);
      }
    });
    downstream.on('end', () => {
      if (!this.done) this.route(reader);
    });
  }

  /** Answers an error found before routing; like grpc-js's, such calls reach no observer. */
  private refuse(error: unknown): void {
    const { code, details } = reportError(this.deps.logger, 'ModelInfer', error);
    this.done = true;
    clearTimeout(this.timer);
    answerStatus(this.downstream, code, details);
  }

  private route(reader: GrpcFrameReader): void {
    let message: UnaryMessage;
    try {
      message = reader.finish();
      if (message.compressed) {
        // Only grpc-js knows the call's grpc-encoding: the call goes there as it came.
        this.done = true;
        clearTimeout(this.timer);
        this.deps.fallback(this.downstream, this.headers, { chunks: reader.received, ended: true });
        return;
      }
      this.header = readInferRequestHeader(message.message);
      if (this.principal) assertModelAllowed(this.principal, this.header.modelName);
      this.deps.observers.admit();
    } catch (error) {
      this.refuse(error);
      return;
    }
    const header = this.header;
    this.request = message.message;
    // Unsampled calls make no spans and pass the caller's trace headers on as they came.
    if (spansCanRecord()) ({ span: this.span, ctx: this.ctx } = startServerSpan(MODEL_INFER_PATH, this.callMetadata(), { 'model.name': header.modelName }));
    try {
      const choice = this.deps.router.chooseVersion(header.modelName, header.modelVersion, (name) => firstValue(this.headers[name]), header);
      this.version = choice.version;
      if (this.ctx) this.routeSpan = startChildSpan('route', this.ctx, { 'model.name': header.modelName, 'model.version': choice.version, 'route.reason': choice.reason });
    } catch (error) {
      this.fail(error);
      return;
    }
    this.outgoing = this.deps.runnerHeaders.http2For(this.headers, MODEL_INFER_PATH);
    if (this.ctx && this.routeSpan) injectHeaders(this.outgoing, otelTrace.setSpan(this.ctx, this.routeSpan));
    this.runnerRequest =
      this.version === header.modelVersion
        ? new RunnerRequest([message.message], this.outgoing, this.deadline, [message.frame])
        : new RunnerRequest(modelVersionParts(message.message, this.version), this.outgoing, this.deadline);
    this.deps.retry.recordCall();
    this.attempt();
  }

  private attempt(): void {
    let runner: RunnerEndpoint;
    let upstream: RunnerAttempt;
    try {
      runner = this.deps.router.pickRunner(this.header!.modelName, this.version, this.tried ?? NONE_TRIED, this.header!.sequenceId);
      this.attempts++;
      this.runner = runner.address;
      this.routeSpan?.setAttribute('runner', runner.address);
      const onAnswer = (answer: RunnerAnswer) => {
        runner.outstanding--;
        if (this.upstream !== upstream || this.done) return;
        this.upstream = undefined;
        runner.outlier.record(answer.code);
        if (answer.retryable && this.tryAgain(runner, answer.code)) return;
        this.deliver(runner, answer);
      };
      upstream = this.runnerRequest!.send(this.deps, runner.address, onAnswer);
    } catch (error) {
      this.fail(error);
      return;
    }
    runner.outstanding++;
    this.upstream = upstream;
  }

  /** Passes the runner's answer on: as it came, or a status with a runner's internals hidden. */
  private deliver(runner: RunnerEndpoint, answer: RunnerAnswer): void {
    const { code, details } = answer;
    if (code !== grpc.status.OK || !answer.headers || !answer.trailers) {
      if (hidesUpstreamDetails(code)) {
        this.deps.logger.error({ address: runner.address, code: grpc.status[code], details, ...logTraceId(this.outgoing) }, 'runner failed a ModelInfer');
        this.answer(code, upstreamInternalDetails(code));
      } else if (answer.trailers) {
        // The runner's status alone, with whatever metadata its headers and trailers carried.
        if (!this.downstream.closed && !this.downstream.destroyed) this.downstream.respond(responseHeadersFrom({ ...answer.headers, ...answer.trailers }), { endStream: true });
        this.finish(code, details);
      } else {
        this.answer(code, details);
      }
      return;
    }
    const downstream = this.downstream;
    if (downstream.closed || downstream.destroyed) {
      this.finish(grpc.status.CANCELLED, 'call cancelled by the caller');
      return;
    }
    const trailers = responseHeadersFrom(answer.trailers);
    downstream.respond(responseHeadersFrom(answer.headers), { waitForTrailers: true });
    downstream.once('wantTrailers', () => downstream.sendTrailers(trailers));
    for (const chunk of answer.data) downstream.write(chunk);
    downstream.end();
    if (this.wantsResponse()) this.answered = answer;
    this.finish(code, details);
  }

  /** Starts another attempt when the policy allows one for `code`; true when it will. */
  private tryAgain(runner: RunnerEndpoint, code: grpc.status): boolean {
    const delay = this.deps.retry.retryDelay(this.attempts, code, this.deadline);
    if (delay === undefined) return false;
    (this.tried ??= new Set()).add(runner);
    this.upstream = undefined;
    if (delay > 0) setTimeout(() => this.done || this.attempt(), delay);
    else this.attempt();
    return true;
  }

  private wantsResponse(): boolean {
    return this.deps.observers.listening;
  }

  private onDeadline(): void {
    if (this.done) return;
    this.cancelUpstream();
    this.answer(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded');
  }

  private onCallerClose(): void {
    if (this.done) return;
    this.cancelUpstream();
    if (this.header) this.finish(grpc.status.CANCELLED, 'call cancelled by the caller');
    else this.done = true;
    clearTimeout(this.timer);
  }

  private cancelUpstream(): void {
    const upstream = this.upstream;
    this.upstream = undefined;
    upstream?.cancel();
  }

  private fail(error: unknown): void {
    const { code, details } = reportError(this.deps.logger, 'ModelInfer', error);
    this.answer(code, details);
  }

  private answer(code: grpc.status, details: string): void {
    answerStatus(this.downstream, code, details);
    this.finish(code, details);
  }

  /** Ends the spans and tells the observers, once. */
  private finish(code: grpc.status, details: string): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    const failure = code === grpc.status.OK ? undefined : { code, details };
    if (this.routeSpan) {
      this.routeSpan.setAttribute('route.attempts', this.attempts);
      endSpan(this.routeSpan, failure);
    }
    if (this.span) {
      if (this.version) this.span.setAttribute('model.version', this.version);
      endSpan(this.span, failure);
    }
    // A call that ended before its message was read reached no observer, as on the grpc-js path.
    const header = this.header;
    if (!header || !this.wantsResponse()) return;
    const ok = code === grpc.status.OK;
    const message = () => (ok ? this.responseMessage() : undefined);
    const event: InferEvent = {
      headers: http2CallHeaders(this.headers),
      modelName: header.modelName,
      requestedVersion: header.modelVersion,
      version: this.version,
      requestId: header.id,
      runner: this.runner,
      code,
      // grpc-js's servers say 'OK'; observers get '' on success, as on the grpc-js path.
      details: code === grpc.status.OK ? '' : details,
      latencyMs: performance.now() - this.started,
      receivedAt: this.receivedAt,
      request: this.request!,
      get response() {
        return message();
      },
      responseBytes: ok && this.answered ? Math.max(0, this.answered.bytes - FRAME_HEADER_BYTES) : 0,
      traceparent: this.ctx ? traceparentOf(this.ctx) : '',
    };
    this.deps.observers.notify(event);
  }

  /** The response message without its frame header, joined on first read (only when it came in several chunks). */
  private responseMessage(): Buffer | undefined {
    const answered = this.answered;
    if (!answered) return undefined;
    return (answered.message ??= answerMessage(answered));
  }
}
