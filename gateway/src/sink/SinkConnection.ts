/**
 * The Publish stream to the sink: one at a time, and after one ends, the next only after a
 * backoff that grows with every stream ended since the sink last acknowledged a batch.
 */
import * as grpc from '@grpc/grpc-js';
import { clientChannelOptions, retryDelayMs, unaryCall } from '@infermesh/common';
import { sinkProto, type PredictionRecord, type SinkClient, type SinkStatusResponse__Output } from '@infermesh/proto/sink';

/**
 * One Publish message: a batch, numbered per stream from 1.
 * @internal
 */
export interface PublishMessage {
  sequence: number;
  records: PredictionRecord[];
}

/**
 * A Publish call, from the gateway's side.
 * @internal
 */
export type PublishStream = grpc.ClientDuplexStream<PublishMessage, { sequence: string }>;

/**
 * What a connection tells its publisher, about the current stream only.
 * @internal
 */
export interface SinkConnectionEvents {
  /** The sink acknowledged every batch up to `sequence`. */
  acknowledged(sequence: number): void;
  /** The stream ended, with the sink's error if it gave one. */
  ended(error: grpc.ServiceError | undefined): void;
  /** The backoff is over: a stream may open again. */
  retry(): void;
}

/** Backoff between streams while the sink is away. */
const RECONNECT_DELAYS = { initialDelayMs: 100, maxDelayMs: 5_000 };

/**
 * The client to the sink and its current Publish stream.
 * @internal
 */
export class SinkConnection {
  private readonly client: SinkClient;
  private stream: PublishStream | undefined;
  private up = false;
  /** Streams ended since the sink last acknowledged a batch. */
  private ends = 0;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    address: string,
    maxMessageBytes: number,
    private readonly events: SinkConnectionEvents,
    credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  ) {
    this.client = new sinkProto.Sink(address, credentials, clientChannelOptions(maxMessageBytes));
  }

  /** The open stream, if any. */
  get current(): PublishStream | undefined {
    return this.stream;
  }

  /** True while a stream is up: the sink has answered on it. */
  get connected(): boolean {
    return this.up;
  }

  /** True during the backoff after a stream ended. */
  get waiting(): boolean {
    return this.retryTimer !== undefined;
  }

  /** Streams ended since the sink last acknowledged a batch (the backoff's attempt count). */
  get endedSinceAck(): number {
    return this.ends;
  }

  /** The sink's own Status (its spool and each destination's lag), on the publishing channel. */
  status(timeoutMs: number): Promise<SinkStatusResponse__Output> {
    return unaryCall<SinkStatusResponse__Output>((done) => this.client.Status({}, { deadline: Date.now() + timeoutMs }, done));
  }

  /** Opens a new stream in place of none. */
  open(): void {
    const stream = this.client.Publish() as unknown as PublishStream;
    this.stream = stream;
    stream.on('metadata', () => {
      if (stream === this.stream) this.up = true;
    });
    stream.on('data', (ack: { sequence: string }) => {
      if (stream !== this.stream) return;
      this.ends = 0;
      this.events.acknowledged(Number(ack.sequence));
    });
    stream.on('error', (error: grpc.ServiceError) => this.onEnd(stream, error));
    stream.on('end', () => this.onEnd(stream, undefined));
  }

  /** Starts the backoff after an ended stream (`events.retry` at its end); returns its length in ms. */
  backOff(): number {
    const delay = retryDelayMs(++this.ends, RECONNECT_DELAYS);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.events.retry();
    }, delay);
    return delay;
  }

  /** Ends the stream (half-close: what the sink has read, it still spools) and closes the client. */
  close(): void {
    clearTimeout(this.retryTimer);
    this.stream?.end();
    this.stream = undefined;
    this.up = false;
    this.client.close();
  }

  private onEnd(stream: PublishStream, error: grpc.ServiceError | undefined): void {
    if (stream !== this.stream) return;
    this.stream = undefined;
    this.up = false;
    this.events.ended(error);
  }
}
