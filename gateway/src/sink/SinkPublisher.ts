/**
 * The gateway's side of the sink: an InferObserver that keeps each inference in a bounded
 * buffer and streams prediction records to the sink over one long-lived Publish stream.
 * A batch leaves the buffer only when the sink acknowledges it (it is then in the sink's
 * spool); batches of a broken stream are sent again on the next one. When the buffer is
 * full, a record is dropped and counted, or, with `mustNotLose`, `admit()` refuses new
 * predict calls until the sink catches up.
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { clientChannelOptions, retryDelayMs, ServiceError, SINK_PUBLISHER_DEFAULTS, type Logger } from '@infermesh/common';
import { sinkProto, type PredictionRecord, type SinkClient } from '@infermesh/proto/sink';
import type { InferEvent, InferObserver } from '../InferObserver.js';
import { predictionRecord, type RecordOptions } from './prediction-record.js';

/** How a publisher is set up; common's PublisherSettings holds the mesh config's `sink.publisher` keys. */
export interface SinkPublisherOptions {
  /** The sink's host:port. */
  address: string;
  logger: Logger;
  /** Records held (not yet acknowledged by the sink) before the next is dropped; default in SINK_PUBLISHER_DEFAULTS. */
  maxBufferedRecords?: number;
  /** Bytes of held inferences before the next is dropped; default in SINK_PUBLISHER_DEFAULTS. */
  maxBufferedBytes?: number;
  /** Refuse predict calls (via `admit`) instead of dropping records; default false. */
  mustNotLose?: boolean;
  /** Models whose inputs go into their records; '*' is every model. */
  captureInputs?: readonly string[];
  /** Caller metadata headers copied into records (lowercase). */
  headers?: readonly string[];
  /** Raw tensor bytes of one record above which it goes without tensors; default in SINK_PUBLISHER_DEFAULTS. */
  maxTensorBytes?: number;
  /** Records per Publish message; default 256. */
  maxBatchRecords?: number;
  /** Largest gRPC message to the sink; default 64 MiB. */
  maxMessageBytes?: number;
  /** The device of a runner's model version, when the gateway knows it. */
  deviceOf?: RecordOptions['deviceOf'];
}

/** Counters of a publisher. */
export interface SinkPublisherStats {
  /** Inferences held: not yet acknowledged by the sink. */
  buffered: number;
  /** Records the sink has acknowledged. */
  published: number;
  /** Records dropped because the buffer was full (or the publisher closed). */
  dropped: number;
  /** True while a Publish stream to the sink is up (the sink has answered on it). */
  connected: boolean;
}

interface Held {
  event: InferEvent;
  bytes: number;
}

interface Batch {
  records: PredictionRecord[];
  bytes: number;
}

/** Batches sent and not yet acknowledged, per stream. */
const MAX_BATCHES_IN_FLIGHT = 8;
/** Backoff between streams while the sink is away. */
const RECONNECT_DELAYS = { initialDelayMs: 100, maxDelayMs: 5_000 };
/** Fixed cost counted per held inference besides its message bytes. */
const OVERHEAD_BYTES = 512;

export class SinkPublisher implements InferObserver {
  private readonly client: SinkClient;
  private readonly recordOptions: RecordOptions;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly maxBatchRecords: number;
  /** Inferences not yet turned into records, oldest first (`head` is the next to take). */
  private held: Held[] = [];
  private head = 0;
  /** Batches to send (again) before new ones, oldest first. */
  private unsent: Batch[] = [];
  private readonly inFlight = new Map<number, Batch>();
  private bufferedRecords = 0;
  private bufferedBytes = 0;
  private published = 0;
  private dropped = 0;
  private stream: grpc.ClientDuplexStream<{ sequence: number; records: PredictionRecord[] }, { sequence: string }> | undefined;
  private sequence = 0;
  private connected = false;
  /** Streams ended since the sink last acknowledged a batch. */
  private reconnectAttempts = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private scheduled = false;
  private closed = false;
  private lastDropWarning = 0;
  private readonly flushWaiters = new Set<() => void>();

  constructor(private readonly options: SinkPublisherOptions) {
    this.maxRecords = options.maxBufferedRecords ?? SINK_PUBLISHER_DEFAULTS.maxBufferedRecords;
    this.maxBytes = options.maxBufferedBytes ?? SINK_PUBLISHER_DEFAULTS.maxBufferedBytes;
    this.maxBatchRecords = options.maxBatchRecords ?? 256;
    this.recordOptions = {
      captureInputs: new Set(options.captureInputs ?? []),
      headers: options.headers ?? [],
      maxTensorBytes: options.maxTensorBytes ?? SINK_PUBLISHER_DEFAULTS.maxTensorBytes,
      ...(options.deviceOf ? { deviceOf: options.deviceOf } : {}),
    };
    this.client = new sinkProto.Sink(options.address, grpc.credentials.createInsecure(), clientChannelOptions(options.maxMessageBytes ?? 64 * 1024 * 1024));
  }

  /** Called by the gateway after every inference; O(1), never throws, never waits. */
  onInfer(event: InferEvent): void {
    const capture = this.recordOptions.captureInputs.has('*') || this.recordOptions.captureInputs.has(event.modelName);
    const bytes = OVERHEAD_BYTES + (event.response?.byteLength ?? 0) + (capture ? event.request.byteLength : 0);
    // With mustNotLose, admit() stops calls at the limit; calls already running when it was
    // reached may still finish, so those records are kept up to twice the limit.
    const limit = this.options.mustNotLose ? 2 : 1;
    if (this.closed || this.bufferedRecords >= limit * this.maxRecords || this.bufferedBytes + bytes > limit * this.maxBytes) {
      this.drop();
      return;
    }
    // Only what the record needs is kept: the request bytes only when inputs are captured.
    this.held.push({ event: capture ? event : { ...event, request: Buffer.alloc(0) }, bytes });
    this.bufferedRecords++;
    this.bufferedBytes += bytes;
    this.schedule();
  }

  /**
   * For the gateway to call before forwarding a predict call: with `mustNotLose`, throws
   * UNAVAILABLE while the buffer is full, so no call runs whose record could not be kept.
   */
  admit(): void {
    if (!this.options.mustNotLose) return;
    if (this.bufferedRecords >= this.maxRecords || this.bufferedBytes >= this.maxBytes) {
      throw ServiceError.unavailable(
        `the sink at ${this.options.address} is not keeping up: ${this.bufferedRecords} prediction records are waiting for it, and records must not be lost (sink.publisher.mustNotLose)`,
      );
    }
  }

  stats(): SinkPublisherStats {
    return { buffered: this.bufferedRecords, published: this.published, dropped: this.dropped, connected: this.connected };
  }

  /** Resolves true once everything held now has been acknowledged by the sink, false at the timeout. */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.bufferedRecords > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, Math.min(left, 1_000));
        function wake() {
          clearTimeout(timer);
          resolve();
        }
        this.flushWaiters.add(wake);
      });
    }
    return true;
  }

  /** Sends what it holds (for up to `timeoutMs`), then closes the stream; anything left is dropped and counted. */
  async close(timeoutMs = 5_000): Promise<void> {
    const flushed = await this.flush(timeoutMs);
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    if (!flushed) {
      this.options.logger.warn({ records: this.bufferedRecords, sink: this.options.address }, 'closing with prediction records the sink has not acknowledged; they are lost');
      this.dropped += this.bufferedRecords;
    }
    this.stream?.end();
    this.stream = undefined;
    this.connected = false;
    this.client.close();
  }

  private drop(): void {
    this.dropped++;
    const now = Date.now();
    if (now - this.lastDropWarning >= 10_000) {
      this.lastDropWarning = now;
      this.options.logger.warn(
        { dropped: this.dropped, buffered: this.bufferedRecords, sink: this.options.address, mustNotLose: this.options.mustNotLose ?? false },
        'prediction record buffer full; dropping records',
      );
    }
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Sends batches while the stream's window allows, turning held inferences into records as it goes. */
  private pump(): void {
    if (this.closed) return;
    if (!this.stream) {
      if (this.reconnectTimer === undefined && (this.unsent.length > 0 || this.head < this.held.length)) this.openStream();
      return;
    }
    while (this.inFlight.size < MAX_BATCHES_IN_FLIGHT) {
      const batch = this.unsent.shift() ?? this.nextBatch();
      if (!batch) break;
      const sequence = ++this.sequence;
      this.inFlight.set(sequence, batch);
      this.stream.write({ sequence, records: batch.records });
    }
  }

  private nextBatch(): Batch | undefined {
    if (this.head >= this.held.length) return undefined;
    const end = Math.min(this.held.length, this.head + this.maxBatchRecords);
    const batch: Batch = { records: [], bytes: 0 };
    for (let i = this.head; i < end; i++) {
      const { event, bytes } = this.held[i]!;
      batch.records.push(predictionRecord(event, randomUUID(), this.recordOptions));
      batch.bytes += bytes;
    }
    this.head = end;
    // Compact now and then rather than shifting per item.
    if (this.head === this.held.length) {
      this.held = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.held.length) {
      this.held = this.held.slice(this.head);
      this.head = 0;
    }
    return batch;
  }

  private openStream(): void {
    const stream = this.client.Publish() as unknown as NonNullable<typeof this.stream>;
    this.stream = stream;
    this.sequence = 0;
    stream.on('metadata', () => {
      if (stream === this.stream) this.connected = true;
    });
    stream.on('data', (ack: { sequence: string }) => this.onAck(stream, Number(ack.sequence)));
    stream.on('error', (error: grpc.ServiceError) => this.onStreamEnd(stream, error));
    stream.on('end', () => this.onStreamEnd(stream, undefined));
    this.schedule();
  }

  private onAck(stream: NonNullable<typeof this.stream>, sequence: number): void {
    if (stream !== this.stream) return;
    for (const [sent, batch] of this.inFlight) {
      if (sent > sequence) break;
      this.inFlight.delete(sent);
      this.published += batch.records.length;
      this.bufferedRecords -= batch.records.length;
      this.bufferedBytes -= batch.bytes;
    }
    this.reconnectAttempts = 0;
    for (const wake of [...this.flushWaiters]) wake();
    this.flushWaiters.clear();
    this.schedule();
  }

  private onStreamEnd(stream: NonNullable<typeof this.stream>, error: grpc.ServiceError | undefined): void {
    if (stream !== this.stream) return;
    this.stream = undefined;
    this.connected = false;
    const batches = [...this.inFlight.values()];
    this.inFlight.clear();
    if (error?.code === grpc.status.INVALID_ARGUMENT && batches.length > 0) {
      // The sink refused the first unacknowledged batch itself: sending it again cannot help.
      const refused = batches.shift()!;
      this.dropped += refused.records.length;
      this.bufferedRecords -= refused.records.length;
      this.bufferedBytes -= refused.bytes;
      this.options.logger.error({ sink: this.options.address, records: refused.records.length, reason: error.details }, 'the sink refused a batch of records; dropped');
    }
    // Unacknowledged batches go first on the next stream, with the same record ids.
    this.unsent.unshift(...batches);
    if (this.closed) return;
    const delay = retryDelayMs(++this.reconnectAttempts, RECONNECT_DELAYS);
    // Only the first failure of an outage is a warning; the retries that follow are noise.
    this.options.logger[this.reconnectAttempts > 1 ? 'debug' : 'warn'](
      { sink: this.options.address, code: error?.code, reason: error?.details, retryInMs: delay, buffered: this.bufferedRecords },
      'sink stream ended; reconnecting',
    );
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.pump();
    }, delay);
  }
}

/** Starts a publisher; give it to the gateway as an observer, and call `admit()` before forwarding when `mustNotLose`. */
export function createSinkPublisher(options: SinkPublisherOptions): SinkPublisher {
  return new SinkPublisher(options);
}
