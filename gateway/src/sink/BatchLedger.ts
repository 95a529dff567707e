/**
 * Where each batch is between the buffer and the sink: sent on the current stream and not
 * yet acknowledged (by sequence), or waiting to be sent again, first, on the next stream.
 */
import type { Batch, PublishBuffer } from './PublishBuffer.js';
import type { PublishStream } from './SinkConnection.js';

/** Batches sent and not yet acknowledged, per stream. */
const MAX_BATCHES_IN_FLIGHT = 8;

/**
 * The batches of one publisher in flight or to be sent again.
 * @internal
 */
export class BatchLedger {
  /** Records the sink has acknowledged. */
  published = 0;
  /** Batches to send (again) before new ones, oldest first. */
  private unsent: Batch[] = [];
  private readonly inFlight = new Map<number, Batch>();
  /** The last sequence sent on the current stream. */
  private sequence = 0;

  constructor(private readonly buffer: PublishBuffer) {}

  /** True when there is something to send: batches to send again, or inferences not yet batched. */
  get pending(): boolean {
    return this.unsent.length > 0 || this.buffer.hasUnbatched;
  }

  /** Records sent on the current stream and not yet acknowledged. */
  get inFlightRecords(): number {
    let records = 0;
    for (const batch of this.inFlight.values()) records += batch.records.length;
    return records;
  }

  /** Numbers the batches of a new stream from 1. */
  startStream(): void {
    this.sequence = 0;
  }

  /** Sends batches on `stream` while its window allows, those to send again first, new ones when due. */
  fill(stream: PublishStream): void {
    while (this.inFlight.size < MAX_BATCHES_IN_FLIGHT) {
      const batch = this.unsent.shift() ?? (this.buffer.nextBatchDueInMs() === 0 ? this.buffer.nextBatch() : undefined);
      if (!batch) break;
      const sequence = ++this.sequence;
      this.inFlight.set(sequence, batch);
      stream.write({ sequence, records: batch.records });
    }
  }

  /** The sink has every batch up to `sequence` in its spool: they leave the buffer. */
  acknowledge(sequence: number): void {
    for (const [sent, batch] of this.inFlight) {
      if (sent > sequence) break;
      this.inFlight.delete(sent);
      this.published += batch.records.length;
      this.buffer.release(batch);
    }
  }

  /**
   * The stream ended: its unacknowledged batches go first on the next stream, with the same
   * record ids. With `firstRefused` (the sink refused the first unacknowledged batch itself,
   * so sending it again cannot help), that batch is dropped instead and returned.
   */
  requeue(firstRefused: boolean): Batch | undefined {
    const batches = [...this.inFlight.values()];
    this.inFlight.clear();
    const refused = firstRefused ? batches.shift() : undefined;
    if (refused) this.buffer.discard(refused);
    this.unsent.unshift(...batches);
    return refused;
  }
}
