/**
 * The gateway's ModelInfer calls to runners, many on one stream per runner session
 * (RunnerInfer.Exchange, runner.proto) instead of an HTTP/2 stream each: a stream costs both
 * ends far more CPU than a small message on one that is open. Each call still gets the
 * answer of its own ModelInfer (RunnerAnswer), retried, cancelled and timed like one. A
 * runner that does not serve Exchange (grpc-js front, an older version) is called one
 * stream per call for a while, and the calls it refused go again without counting as an
 * attempt. When a stream breaks, every call on it ends as a stream that broke before its
 * trailers would: UNAVAILABLE, retryable.
 */
import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { EXCHANGE_FIELDS_BYTES, exchangeCancel, exchangeRequestHead, FRAME_HEADER_BYTES, GrpcMessageSplitter, isTrailersOnly, readExchangeResponse, resetStatus, type SessionPool, statusOf, trailersOnly, type Logger } from '@infermesh/common';
import { RUNNER_EXCHANGE_PATH } from '@infermesh/proto';
import type { RunnerAnswer, RunnerAttempt } from './runner-exchange.js';

/** How long a runner that refused Exchange is called one stream per call before Exchange is tried again. */
const NOT_SERVED_RETRY_MS = 60_000;
/** Calls in flight on a stream before the runner's SETTINGS say how many streams it takes. */
const DEFAULT_ROOM = 100;

const REQUEST_HEADERS = { ':method': 'POST', ':path': RUNNER_EXCHANGE_PATH, 'content-type': 'application/grpc', te: 'trailers' };
const OK_HEADERS: IncomingHttpHeaders = { ':status': '200', 'content-type': 'application/grpc' };
const OK_TRAILERS: IncomingHttpHeaders = { 'grpc-status': '0' };

/** A call's answer callback. */
type Done = (answer: RunnerAnswer) => void;

/** One Exchange stream on one session. */
class ExchangeStream {
  private readonly pending = new Map<number, Done>();
  private nextCall = 1;
  private readonly stream: ClientHttp2Stream;
  private status: { code: grpc.status; details: string } | undefined;
  private failure: unknown;
  private readonly splitter: GrpcMessageSplitter;

  constructor(
    readonly session: ClientHttp2Session,
    maxMessageBytes: number,
    /** Told when the runner refuses the stream as UNIMPLEMENTED. */
    private readonly onNotServed: () => void,
  ) {
    this.splitter = new GrpcMessageSplitter(maxMessageBytes + EXCHANGE_FIELDS_BYTES, (message) => this.onAnswer(message));
    const stream = (this.stream = session.request(REQUEST_HEADERS));
    stream.on('error', (error) => (this.failure = error));
    // The runner's status ends the stream, whether this side has ended or not: what is in flight fails over.
    const ended = (trailers: IncomingHttpHeaders) => {
      this.status = statusOf(trailers);
      stream.close();
    };
    stream.once('response', (headers: IncomingHttpHeaders) => {
      if (isTrailersOnly(headers)) ended(headers);
    });
    stream.on('trailers', ended);
    stream.on('data', (chunk: Buffer) => {
      try {
        this.splitter.push(chunk);
      } catch (error) {
        this.failure = error;
        stream.close(constants.NGHTTP2_CANCEL);
      }
    });
    // A runner going away (GOAWAY) answers what it has: this side ends, so that the stream and the session can close.
    const onGoaway = () => this.retire();
    session.once('goaway', onGoaway);
    stream.on('close', () => {
      session.off('goaway', onGoaway);
      this.onClose();
    });
  }

  /** False once it cannot take calls again: closed, or its side ended. */
  get open(): boolean {
    const stream = this.stream;
    return !stream.closed && !stream.destroyed && stream.writable;
  }

  /** True while it has fewer calls in flight than the runner lets a session have streams. */
  get hasRoom(): boolean {
    return this.pending.size < (this.session.remoteSettings.maxConcurrentStreams ?? DEFAULT_ROOM);
  }

  /** Sends one call: `message` is the ModelInferRequest in pieces, `length` bytes in all. */
  send(message: readonly Buffer[], length: number, timeoutUs: number, headers: readonly (readonly [string, string])[], done: Done): RunnerAttempt {
    const call = this.nextCall;
    this.nextCall = call >= 0xffffffff ? 1 : call + 1;
    this.pending.set(call, done);
    const stream = this.stream;
    // Every call sent in this tick leaves in one write.
    if (!this.corked) {
      this.corked = true;
      stream.cork();
      process.nextTick(this.uncork);
    }
    stream.write(exchangeRequestHead(call, timeoutUs, headers, length));
    for (const piece of message) stream.write(piece);
    return { cancel: () => this.cancel(call) };
  }

  private corked = false;
  private readonly uncork = () => {
    this.corked = false;
    this.stream.uncork();
  };

  /** Ends its side: the runner answers what it has, then ends the stream. */
  retire(): void {
    if (this.stream.writable) this.stream.end();
  }

  private cancel(call: number): void {
    const done = this.pending.get(call);
    if (!done) return;
    this.pending.delete(call);
    if (this.stream.writable) this.stream.write(exchangeCancel(call));
    done({ code: grpc.status.CANCELLED, details: 'call cancelled by the caller', retryable: false, data: [], bytes: 0 });
  }

  private onAnswer(bytes: Buffer): void {
    const answer = readExchangeResponse(bytes);
    const done = this.pending.get(answer.call);
    if (!done) return;
    this.pending.delete(answer.call);
    const response = answer.response;
    if (answer.code !== grpc.status.OK || !response) {
      // A status alone, as a trailers-only answer: another runner may be tried when the code allows.
      const code = answer.code === grpc.status.OK ? grpc.status.INTERNAL : (answer.code as grpc.status);
      const details = answer.code === grpc.status.OK ? 'the runner answered OK without a response' : answer.details;
      done({ code, details, retryable: true, trailers: trailersOnly(code, details) as IncomingHttpHeaders, data: [], bytes: 0 });
      return;
    }
    const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
    header[0] = 0;
    header.writeUInt32BE(response.length, 1);
    done({ code: grpc.status.OK, details: '', retryable: false, headers: OK_HEADERS, trailers: OK_TRAILERS, data: [header, response], bytes: FRAME_HEADER_BYTES + response.length, message: response });
  }

  private onClose(): void {
    if (this.pending.size === 0) return;
    const notServed = this.status?.code === grpc.status.UNIMPLEMENTED;
    if (notServed) this.onNotServed();
    const session = this.session;
    const { code, details } =
      this.status && this.status.code !== grpc.status.OK && !notServed
        ? this.status
        : resetStatus(this.stream.rstCode, this.failure, session.destroyed || session.closed);
    const calls = [...this.pending.values()];
    this.pending.clear();
    for (const done of calls) done({ code: code === grpc.status.OK ? grpc.status.UNAVAILABLE : code, details, retryable: true, data: [], bytes: 0, ...(notServed ? { notServed } : {}) });
  }
}

/** The Exchange stream of each runner session, opened on first use and again when its session or stream is gone. */
export class RunnerExchanges {
  private readonly streams = new Map<string, ExchangeStream>();
  /** Runners that refused Exchange, and when to try it again. */
  private readonly notServed = new Map<string, number>();

  constructor(
    private readonly sessions: SessionPool,
    private readonly maxMessageBytes: number,
    private readonly logger: Logger,
  ) {}

  /** The stream to send a call to `address` on; undefined when it goes on a stream of its own. */
  get(address: string): ExchangeStream | undefined {
    const retryAt = this.notServed.get(address);
    if (retryAt !== undefined) {
      if (Date.now() < retryAt) return undefined;
      this.notServed.delete(address);
    }
    const session = this.sessions.get(address);
    const existing = this.streams.get(address);
    if (existing && existing.session === session && existing.open) return existing.hasRoom ? existing : undefined;
    existing?.retire();
    const stream = new ExchangeStream(session, this.maxMessageBytes, () => {
      this.logger.info({ address }, 'runner does not serve RunnerInfer.Exchange: calling it one stream per call');
      this.notServed.set(address, Date.now() + NOT_SERVED_RETRY_MS);
      if (this.streams.get(address) === stream) this.streams.delete(address);
    });
    this.streams.set(address, stream);
    return stream;
  }

  /** Ends every stream's side: the runners answer what is in flight, then the streams close. */
  close(): void {
    for (const stream of this.streams.values()) stream.retire();
    this.streams.clear();
  }
}
