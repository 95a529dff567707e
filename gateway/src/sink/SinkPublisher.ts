/**
 * The gateway's side of the sink: an InferObserver that keeps each inference in a bounded
 * buffer and streams prediction records to the sink over one long-lived Publish stream.
 * A batch leaves the buffer only when the sink acknowledges it (it is then in the sink's
 * spool); batches of a broken stream are sent again on the next one. When the buffer is
 * full, a record is dropped and counted by reason, or, with `mustNotLose`, `admit()` refuses
 * new predict calls (RESOURCE_EXHAUSTED) until the sink catches up and nothing is dropped.
 */
import * as grpc from '@grpc/grpc-js';
import { REPLAY_CALL_HEADER, ServiceError, SINK_PUBLISHER_DEFAULTS, SINK_PUBLISHER_MUST_NOT_LOSE_CLOSE_MS, type Logger } from '@infermesh/common';
import type { InferEvent, InferObserver } from '../InferObserver.js';
import { BatchLedger } from './BatchLedger.js';
import { recordedHeaderNames, type RecordOptions } from './prediction-record.js';
import { PublishBuffer, RECORD_FIELDS_BYTES, type DropCounts } from './PublishBuffer.js';
import { SinkConnection } from './SinkConnection.js';
import type { SinkStatusResponse__Output } from '@infermesh/proto/sink';

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
  /** Serialized response (+ captured request) bytes of one record above which it goes without tensors; default in SINK_PUBLISHER_DEFAULTS. */
  maxTensorBytes?: number;
  /** Records per Publish message; default 256. */
  maxBatchRecords?: number;
  /** Bytes of records per Publish message; default in SINK_PUBLISHER_DEFAULTS, at most half of `maxMessageBytes`. */
  maxBatchBytes?: number;
  /** How long a record waits for others to share its batch (ms); default in SINK_PUBLISHER_DEFAULTS, 0 sends at once. */
  batchDelayMs?: number;
  /** Largest gRPC message to the sink; default 64 MiB. */
  maxMessageBytes?: number;
  /** The device of a runner's model version, when the gateway knows it. */
  deviceOf?: RecordOptions['deviceOf'];
  /** How the gateway connects to the sink: the mesh's TLS; plaintext by default. */
  credentials?: grpc.ChannelCredentials;
}

/** Counters of a publisher. */
export interface SinkPublisherStats {
  /** Inferences held: not yet acknowledged by the sink. */
  buffered: number;
  /** Records the sink has acknowledged. */
  published: number;
  /** Records dropped, every reason together. */
  dropped: number;
  /** Records dropped, by reason: the buffer was full, a record too large to send, the sink refused its batch, the publisher closed first. */
  drops: DropCounts;
  /** Bytes the buffered inferences count for. */
  bufferedBytes: number;
  /** True when the publisher refuses predict calls rather than drop records. */
  mustNotLose: boolean;
  /** True while a Publish stream to the sink is up (the sink has answered on it). */
  connected: boolean;
  /** Epoch ms of the sink's last acknowledgement; absent before the first. */
  lastAckAtMs?: number;
}

/** How long close() waits for the sink to acknowledge what is held, without mustNotLose. */
const CLOSE_MS = 5_000;

/**
 * Publishes a prediction record of every inference to the sink; the buffer, the batches in
 * flight and the stream each live in their own part, and this one sets their pace.
 */
export class SinkPublisher implements InferObserver {
  private readonly buffer: PublishBuffer;
  private readonly ledger: BatchLedger;
  private readonly connection: SinkConnection;
  private scheduled = false;
  private dueTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private lastAckAtMs: number | undefined;
  private readonly flushWaiters = new Set<() => void>();

  constructor(private readonly options: SinkPublisherOptions) {
    const maxMessageBytes = options.maxMessageBytes ?? 64 * 1024 * 1024;
    this.buffer = new PublishBuffer({
      maxRecords: options.maxBufferedRecords ?? SINK_PUBLISHER_DEFAULTS.maxBufferedRecords,
      maxBytes: options.maxBufferedBytes ?? SINK_PUBLISHER_DEFAULTS.maxBufferedBytes,
      mustNotLose: options.mustNotLose ?? false,
      maxBatchRecords: options.maxBatchRecords ?? 256,
      maxBatchBytes: Math.min(options.maxBatchBytes ?? SINK_PUBLISHER_DEFAULTS.maxBatchBytes, Math.floor(maxMessageBytes / 2)),
      batchDelayMs: options.batchDelayMs ?? SINK_PUBLISHER_DEFAULTS.batchDelayMs,
      // A record alone in its message: the message's own framing is a few bytes.
      maxRecordBytes: maxMessageBytes - RECORD_FIELDS_BYTES - 1024,
      recordOptions: {
        captureInputs: new Set(options.captureInputs ?? []),
        headers: recordedHeaderNames(options.headers ?? []),
        maxTensorBytes: options.maxTensorBytes ?? SINK_PUBLISHER_DEFAULTS.maxTensorBytes,
        ...(options.deviceOf ? { deviceOf: options.deviceOf } : {}),
      },
      sink: options.address,
      logger: options.logger,
    });
    this.ledger = new BatchLedger(this.buffer);
    this.connection = new SinkConnection(options.address, maxMessageBytes, {
      acknowledged: (sequence) => this.onAck(sequence),
      ended: (error) => this.onStreamEnd(error),
      retry: () => this.pump(),
    }, options.credentials);
  }

  /** Called by the gateway after every inference; O(1), never throws, never waits. Calls `infermesh replay` re-sends are not recorded. */
  onInfer(event: InferEvent): void {
    if (event.headers.has(REPLAY_CALL_HEADER)) return;
    if (this.closed) this.buffer.drop('shutdown');
    else if (this.buffer.hold(event)) this.schedule();
  }

  /**
   * For the gateway to call before forwarding a predict call: with `mustNotLose`, throws
   * RESOURCE_EXHAUSTED while the buffer is full (or the publisher is closing), so no call
   * starts whose record could not be kept. The caller may retry after a backoff.
   */
  admit(): void {
    if (!this.options.mustNotLose) return;
    if (this.buffer.full || this.closed) {
      throw ServiceError.resourceExhausted(
        this.closed
          ? `the gateway is closing its stream to the sink at ${this.options.address}, and prediction records must not be lost (sink.publisher.mustNotLose); call another gateway`
          : `the sink at ${this.options.address} is not keeping up: ${this.buffer.records} prediction records (${this.buffer.bytes} bytes) are waiting for it, and records must not be lost (sink.publisher.mustNotLose); retry later`,
      );
    }
  }

  /** The publisher's counters now. */
  stats(): SinkPublisherStats {
    return {
      buffered: this.buffer.records,
      bufferedBytes: this.buffer.bytes,
      published: this.ledger.published,
      dropped: this.buffer.dropped,
      drops: { ...this.buffer.drops },
      connected: this.connection.connected,
      mustNotLose: this.options.mustNotLose ?? false,
      ...(this.lastAckAtMs === undefined ? {} : { lastAckAtMs: this.lastAckAtMs }),
    };
  }

  /** The sink's address, as configured. */
  get address(): string {
    return this.options.address;
  }

  /** Asks the sink for its Status (spool depth, each destination's lag); for the status page, never per call. */
  sinkStatus(timeoutMs: number): Promise<SinkStatusResponse__Output> {
    return this.connection.status(timeoutMs);
  }

  /** Resolves true once everything held now has been acknowledged by the sink, false at the timeout. */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.records > 0) {
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

  /**
   * Sends what it holds, then closes the stream; anything left is dropped and counted
   * (`shutdown`). It waits `timeoutMs`, by default 5 s, or 60 s with `mustNotLose` (long
   * enough for a sink restart; past it, a gateway that is being stopped must stop). Under
   * `mustNotLose` new calls are refused meanwhile, and what could not be delivered is logged
   * as an error with its counts.
   */
  async close(timeoutMs = this.options.mustNotLose ? SINK_PUBLISHER_MUST_NOT_LOSE_CLOSE_MS : CLOSE_MS): Promise<void> {
    const flushed = await this.flush(timeoutMs);
    this.closed = true;
    if (!flushed) {
      const sent = this.ledger.inFlightRecords;
      const buffered = this.buffer.records;
      const bytes = this.buffer.bytes;
      this.buffer.abandon();
      this.options.logger[this.options.mustNotLose ? 'error' : 'warn'](
        { sink: this.options.address, lost: buffered, bytes, sentNotAcknowledged: sent, waitedMs: timeoutMs, mustNotLose: this.options.mustNotLose ?? false },
        `closing with ${buffered} prediction records the sink at ${this.options.address} has not acknowledged; they are lost (of them ${sent} were sent and may have reached its spool)`,
      );
    }
    clearTimeout(this.dueTimer);
    this.connection.close();
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Opens a stream when there is something to send and none is up, else fills the one that is. */
  private pump(): void {
    if (this.closed) return;
    const stream = this.connection.current;
    if (!stream) {
      if (!this.connection.waiting && this.ledger.pending) {
        this.ledger.startStream();
        this.connection.open();
        this.schedule();
      }
      return;
    }
    this.ledger.fill(stream);
    this.wakeWhenDue();
  }

  /** A batch not yet due (it waits for more records) is sent when it is, if nothing sends it before. */
  private wakeWhenDue(): void {
    if (this.dueTimer || this.closed) return;
    const dueInMs = this.buffer.nextBatchDueInMs();
    if (dueInMs === 0 || dueInMs === Infinity) return;
    this.dueTimer = setTimeout(() => {
      this.dueTimer = undefined;
      this.pump();
    }, dueInMs);
  }

  private onAck(sequence: number): void {
    this.lastAckAtMs = Date.now();
    this.ledger.acknowledge(sequence);
    for (const wake of [...this.flushWaiters]) wake();
    this.flushWaiters.clear();
    this.schedule();
  }

  private onStreamEnd(error: grpc.ServiceError | undefined): void {
    const refused = this.ledger.requeue(error?.code === grpc.status.INVALID_ARGUMENT);
    if (refused) {
      this.options.logger.error({ sink: this.options.address, records: refused.records.length, reason: error?.details }, 'the sink refused a batch of records; dropped');
    }
    if (this.closed) return;
    const delay = this.connection.backOff();
    // Only the first failure of an outage is a warning; the retries that follow are noise.
    this.options.logger[this.connection.endedSinceAck > 1 ? 'debug' : 'warn'](
      { sink: this.options.address, code: error?.code, reason: error?.details, retryInMs: delay, buffered: this.buffer.records },
      'sink stream ended; reconnecting',
    );
  }
}

/** Starts a publisher; give it to the gateway as an observer, and call `admit()` before forwarding when `mustNotLose`. */
export function createSinkPublisher(options: SinkPublisherOptions): SinkPublisher {
  return new SinkPublisher(options);
}
