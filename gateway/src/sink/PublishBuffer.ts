/**
 * The publisher's bounded memory: inferences held until the sink acknowledges their records,
 * oldest first, turned into records only when batched. What does not fit is dropped and
 * counted by reason; with `mustNotLose` nothing is dropped while the publisher runs.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '@infermesh/common';
import type { PredictionRecord } from '@infermesh/proto/sink';
import type { InferEvent } from '../InferObserver.js';
import { predictionRecord, recordMessages, type RecordMessages, type RecordOptions } from './prediction-record.js';

/**
 * Records on their way to the sink, and the bytes their inferences count in the buffer.
 * @internal
 */
export interface Batch {
  records: PredictionRecord[];
  bytes: number;
}

/** Why a record was dropped: the label of `infermesh_gateway_sink_records_dropped_total`. */
export type DropReason = 'buffer_full' | 'oversized' | 'refused' | 'shutdown';

/** Records dropped, by reason. */
export type DropCounts = Record<DropReason, number>;

/**
 * How a buffer is bounded, and how it makes records.
 * @internal
 */
export interface PublishBufferOptions {
  maxRecords: number;
  maxBytes: number;
  /** Predict calls are refused at the limits (`SinkPublisher.admit`) rather than records dropped. */
  mustNotLose: boolean;
  maxBatchRecords: number;
  /** Bytes (as the buffer counts them) per batch; a batch always takes at least one record. */
  maxBatchBytes: number;
  /** How long the oldest record not yet batched waits for a fuller batch (ms). */
  batchDelayMs: number;
  /** Counted bytes above which one record alone would not fit in a Publish message: dropped as oversized. */
  maxRecordBytes: number;
  recordOptions: RecordOptions;
  /** The sink's address, for the drop warning. */
  sink: string;
  logger: Logger;
}

interface Held {
  /** Without its messages: those the record carries are in `messages`. */
  event: InferEvent;
  messages: RecordMessages | undefined;
  bytes: number;
  /** Date.now() when it was held. */
  heldAt: number;
}

/** The fields of an event a record needs besides its messages (copied, so no getter of the event runs). */
function withoutMessages(event: InferEvent): InferEvent {
  return {
    modelName: event.modelName,
    requestedVersion: event.requestedVersion,
    version: event.version,
    requestId: event.requestId,
    runner: event.runner,
    code: event.code,
    details: event.details,
    latencyMs: event.latencyMs,
    receivedAt: event.receivedAt,
    headers: event.headers,
    request: NO_BYTES,
    response: undefined,
    responseBytes: 0,
    traceparent: event.traceparent,
    ...(event.shadow ? { shadow: event.shadow } : {}),
  };
}

/** Fixed cost counted per held inference besides its message bytes. */
const OVERHEAD_BYTES = 512;
/**
 * Room a record's small fields may take in a Publish message besides its tensors: up to 32
 * headers of 1,024 characters (3 bytes each at worst), ids, names; the error details are
 * counted on their own.
 * @internal
 */
export const RECORD_FIELDS_BYTES = 128 * 1024;
const NO_BYTES = Buffer.alloc(0);

/**
 * Inferences held for the sink, and the count of those dropped.
 * @internal
 */
export class PublishBuffer {
  /** Inferences held: not yet acknowledged by the sink, nor dropped. */
  records = 0;
  /** Bytes of the inferences held. */
  bytes = 0;
  /** Inferences dropped, all reasons together. */
  dropped = 0;
  /** Inferences dropped, by reason. */
  readonly drops: DropCounts = { buffer_full: 0, oversized: 0, refused: 0, shutdown: 0 };
  /** Inferences not yet turned into records, oldest first (`head` is the next to take). */
  private held: Held[] = [];
  private head = 0;
  /** Bytes of the inferences not yet batched. */
  private unbatchedBytes = 0;
  private lastDropWarning = 0;
  // Read on every inference: kept as fields of their own.
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly mustNotLose: boolean;
  private readonly maxRecordBytes: number;

  constructor(private readonly options: PublishBufferOptions) {
    this.maxRecords = options.maxRecords;
    this.maxBytes = options.maxBytes;
    this.mustNotLose = options.mustNotLose;
    this.maxRecordBytes = options.maxRecordBytes;
  }

  /** True at the limits themselves: no more predict calls while `mustNotLose`. */
  get full(): boolean {
    return this.records >= this.maxRecords || this.bytes >= this.maxBytes;
  }

  /** True while some inferences are not yet in a batch. */
  get hasUnbatched(): boolean {
    return this.head < this.held.length;
  }

  /**
   * Milliseconds until the next batch is due (0: now; Infinity: nothing to batch). It is due
   * when it would be full (records or bytes), or when its oldest record has waited
   * `batchDelayMs`: at high rates batches fill at once, at low ones several records still
   * share one batch, and so one fsync in the sink.
   */
  nextBatchDueInMs(now = Date.now()): number {
    if (this.head >= this.held.length) return Infinity;
    if (this.held.length - this.head >= this.options.maxBatchRecords || this.unbatchedBytes >= this.options.maxBatchBytes) return 0;
    return Math.max(0, this.held[this.head]!.heldAt + this.options.batchDelayMs - now);
  }

  /**
   * Holds an inference, or drops it when there is no room or its record could never be sent;
   * true when held. With `mustNotLose` only a record too large to send is dropped: admit()
   * stops calls at the limits, and the records of calls already running are held past them
   * (as many as the calls in flight).
   */
  hold(event: InferEvent): boolean {
    const messages = recordMessages(event, this.options.recordOptions);
    const bytes = OVERHEAD_BYTES + (messages ? messages.response.byteLength + messages.request.byteLength : 0);
    if (bytes + 3 * event.details.length > this.maxRecordBytes) {
      this.drop('oversized');
      return false;
    }
    if (!this.mustNotLose && (this.records >= this.maxRecords || this.bytes + bytes > this.maxBytes)) {
      this.drop('buffer_full');
      return false;
    }
    // Only what the record carries is kept: no request unless inputs are captured, and no
    // messages at all when they are over maxTensorBytes.
    this.held.push({ event: withoutMessages(event), messages, bytes, heldAt: Date.now() });
    this.records++;
    this.bytes += bytes;
    this.unbatchedBytes += bytes;
    return true;
  }

  /** Counts one inference dropped for `reason`; warns at most every 10 s. */
  drop(reason: DropReason): void {
    this.dropped++;
    this.drops[reason]++;
    const now = Date.now();
    if (now - this.lastDropWarning >= 10_000) {
      this.lastDropWarning = now;
      this.options.logger.warn(
        { reason, dropped: { ...this.drops }, buffered: this.records, sink: this.options.sink, mustNotLose: this.mustNotLose },
        reason === 'oversized'
          ? 'prediction record larger than a message to the sink may be; dropping it'
          : 'prediction record buffer full; dropping records',
      );
    }
  }

  /**
   * The next batch from the oldest inferences not yet batched: up to `maxBatchRecords`
   * records and `maxBatchBytes` bytes, and at least one record.
   */
  nextBatch(): Batch | undefined {
    if (this.head >= this.held.length) return undefined;
    const end = Math.min(this.held.length, this.head + this.options.maxBatchRecords);
    const batch: Batch = { records: [], bytes: 0 };
    let i = this.head;
    for (; i < end; i++) {
      const { event, messages, bytes } = this.held[i]!;
      if (batch.records.length > 0 && batch.bytes + bytes > this.options.maxBatchBytes) break;
      batch.records.push(predictionRecord(event, messages, randomUUID(), this.options.recordOptions));
      batch.bytes += bytes;
    }
    this.head = i;
    this.unbatchedBytes -= batch.bytes;
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

  /** Lets go of a batch the sink has acknowledged. */
  release(batch: Batch): void {
    this.records -= batch.records.length;
    this.bytes -= batch.bytes;
  }

  /** Lets go of a batch the sink refused, counting its records as dropped (`refused`). */
  discard(batch: Batch): void {
    this.dropped += batch.records.length;
    this.drops.refused += batch.records.length;
    this.release(batch);
  }

  /** Counts every inference held as dropped (`shutdown`), for a publisher closing before the sink acknowledged them; returns how many. */
  abandon(): number {
    const lost = this.records;
    this.dropped += lost;
    this.drops.shutdown += lost;
    this.records = 0;
    this.bytes = 0;
    this.held = [];
    this.head = 0;
    return lost;
  }
}
