/**
 * The publisher's bounded memory: inferences held until the sink acknowledges their records,
 * oldest first, turned into records only when batched. What does not fit is dropped and counted.
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
}

/** Fixed cost counted per held inference besides its message bytes. */
const OVERHEAD_BYTES = 512;
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
  /** Inferences dropped: the buffer was full, the sink refused them, or the publisher closed first. */
  dropped = 0;
  /** Inferences not yet turned into records, oldest first (`head` is the next to take). */
  private held: Held[] = [];
  private head = 0;
  private lastDropWarning = 0;
  // Read on every inference: kept as fields of their own.
  private readonly maxRecords: number;
  private readonly maxBytes: number;

  constructor(private readonly options: PublishBufferOptions) {
    this.maxRecords = options.maxRecords;
    this.maxBytes = options.maxBytes;
  }

  /** True at the limits themselves: no more predict calls while `mustNotLose`. */
  get full(): boolean {
    return this.records >= this.maxRecords || this.bytes >= this.maxBytes;
  }

  /** True while some inferences are not yet in a batch. */
  get hasUnbatched(): boolean {
    return this.head < this.held.length;
  }

  /** Holds an inference, or drops it when there is no room; true when held. */
  hold(event: InferEvent): boolean {
    const messages = recordMessages(event, this.options.recordOptions);
    const bytes = OVERHEAD_BYTES + (messages ? messages.response.byteLength + messages.request.byteLength : 0);
    // With mustNotLose, admit() stops calls at the limit; calls already running when it was
    // reached may still finish, so those records are kept up to twice the limit.
    const limit = this.options.mustNotLose ? 2 : 1;
    if (this.records >= limit * this.maxRecords || this.bytes + bytes > limit * this.maxBytes) {
      this.drop();
      return false;
    }
    // Only what the record carries is kept: no request unless inputs are captured, and no
    // messages at all when they are over maxTensorBytes.
    this.held.push({ event: { ...event, request: NO_BYTES, response: undefined }, messages, bytes });
    this.records++;
    this.bytes += bytes;
    return true;
  }

  /** Counts one inference dropped; warns at most every 10 s. */
  drop(): void {
    this.dropped++;
    const now = Date.now();
    if (now - this.lastDropWarning >= 10_000) {
      this.lastDropWarning = now;
      this.options.logger.warn(
        { dropped: this.dropped, buffered: this.records, sink: this.options.sink, mustNotLose: this.options.mustNotLose },
        'prediction record buffer full; dropping records',
      );
    }
  }

  /** The next batch of up to `maxBatchRecords` records, from the oldest inferences not yet batched. */
  nextBatch(): Batch | undefined {
    if (this.head >= this.held.length) return undefined;
    const end = Math.min(this.held.length, this.head + this.options.maxBatchRecords);
    const batch: Batch = { records: [], bytes: 0 };
    for (let i = this.head; i < end; i++) {
      const { event, messages, bytes } = this.held[i]!;
      batch.records.push(predictionRecord(event, messages, randomUUID(), this.options.recordOptions));
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

  /** Lets go of a batch the sink has acknowledged. */
  release(batch: Batch): void {
    this.records -= batch.records.length;
    this.bytes -= batch.bytes;
  }

  /** Lets go of a batch the sink refused, counting its records as dropped. */
  discard(batch: Batch): void {
    this.dropped += batch.records.length;
    this.release(batch);
  }

  /** Counts every inference held as dropped, for a publisher closing before the sink acknowledged them. */
  abandon(): void {
    this.dropped += this.records;
  }
}
