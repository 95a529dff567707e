/**
 * Delivers the spool to one destination: its own cursor, reader, batching, retries and
 * dead letters, so that a slow or dead destination holds back nobody else.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { trace, type Link, type Span } from '@opentelemetry/api';
import { contextFromTraceparent, endSpan, retryDelayMs, startChildSpan, type Logger, type ResolvedDestinationConfig } from '@infermesh/common';
import type { DeliveryItem, Destination } from '../destinations/Destination.js';
import type { SinkDocument } from '../record/record-document.js';
import type { CursorStore } from '../spool/CursorStore.js';
import type { EntryKind, SpoolEntry } from '../spool/frame.js';
import type { Spool } from '../spool/Spool.js';
import { SpoolReader } from '../spool/SpoolReader.js';
import type { DeadLetterFile } from './DeadLetterFile.js';
import { describeError, isRetryable } from './DeliveryError.js';
import { entryKindFilter, recordFilter } from './record-filter.js';

/** Counters of one destination since the sink started. */
export interface DestinationStats {
  delivered: number;
  /** Record deliveries tried again after a failed attempt. */
  retried: number;
  deadLettered: number;
  /** Records its filter passed over. */
  filtered: number;
  /** The last failure, '' after a success. */
  lastError: string;
}

/** Everything a worker needs. */
export interface DestinationWorkerOptions {
  config: ResolvedDestinationConfig;
  destination: Destination;
  spool: Spool;
  cursors: CursorStore;
  deadLetters: DeadLetterFile;
  /** Sequence of the first entry to deliver (the saved cursor). */
  startAt: number;
  /** Called after the cursor moves, so that spent segments can be deleted. */
  onAdvance(): void;
  logger: Logger;
}

export class DestinationWorker {
  readonly stats: DestinationStats = { delivered: 0, retried: 0, deadLettered: 0, filtered: 0, lastError: '' };
  private cursor: number;
  /** Ends waiting (for entries, between retries): no new batch starts. */
  private readonly stopping = new AbortController();
  /** Aborts a delivery in flight, once the grace time at close has passed. */
  private readonly aborting = new AbortController();
  private running: Promise<void> | undefined;
  private readonly acceptsKind: (kind: EntryKind) => boolean;
  private readonly accepts: (document: SinkDocument) => boolean;

  constructor(private readonly options: DestinationWorkerOptions) {
    this.cursor = options.startAt;
    this.acceptsKind = entryKindFilter(options.config.filter);
    this.accepts = recordFilter(options.config.filter);
  }

  get name(): string {
    return this.options.config.name;
  }

  /** Sequence of the next spooled entry this destination has not passed. */
  get position(): number {
    return this.cursor;
  }

  /** Spooled entries not yet passed. */
  get lag(): number {
    return Math.max(0, this.options.spool.nextSequence - this.cursor);
  }

  start(): void {
    this.running ??= this.run().catch((error: unknown) => {
      this.options.logger.fatal({ err: error, destination: this.name }, 'destination worker stopped');
    });
  }

  /** Lets a delivery in flight finish for up to `graceMs`, then aborts it; the cursor is saved. */
  async close(graceMs = 5_000): Promise<void> {
    this.stopping.abort();
    const timer = setTimeout(() => this.aborting.abort(), graceMs);
    await this.running;
    clearTimeout(timer);
    await this.options.destination.close().catch((error: unknown) => {
      this.options.logger.warn({ err: error, destination: this.name }, 'error while closing a destination');
    });
  }

  private async run(): Promise<void> {
    const { spool, logger } = this.options;
    while (!this.stopping.signal.aborted) {
      const reader = new SpoolReader(spool, this.cursor, logger.child({ destination: this.name }));
      try {
        await this.deliverFrom(reader);
      } catch (error) {
        // A spool file that cannot be read right now: start over from the cursor in a moment.
        logger.error({ err: error, destination: this.name, cursor: this.cursor }, 'destination worker failed; restarting it');
        await this.pause(1_000);
      } finally {
        await reader.close().catch(() => undefined);
      }
    }
  }

  private async deliverFrom(reader: SpoolReader): Promise<void> {
    const { spool, logger } = this.options;
    while (!this.stopping.signal.aborted) {
      await spool.waitFor(reader.position, this.stopping.signal);
      if (this.stopping.signal.aborted) return;
      const entries = await this.gatherBatch(reader);
      if (entries.length === 0) continue;
      const items: DeliveryItem[] = [];
      for (const entry of entries) {
        // The frame's kind byte settles most filtering before any JSON is parsed.
        if (!this.acceptsKind(entry.kind)) {
          this.stats.filtered++;
          continue;
        }
        const item = this.toItem(entry);
        if (item && this.accepts(item.document)) items.push(item);
        else if (item) this.stats.filtered++;
      }
      if (items.length > 0 && !(await this.deliver(items))) return;
      this.cursor = entries.at(-1)!.seq + 1;
      // A cursor that fails to save is saved with the next batch; until then a restart redelivers.
      await this.options.cursors.save(this.name, this.cursor).catch((error: unknown) => {
        logger.error({ err: error, destination: this.name }, 'cannot save the cursor');
      });
      this.options.onAdvance();
    }
  }

  /** One batch: as many entries as are ready up to the size limits, waiting at most maxDelayMs for more. */
  private async gatherBatch(reader: SpoolReader): Promise<SpoolEntry[]> {
    const { maxRecords, maxBytes, maxDelayMs } = this.options.config.batch;
    const deadline = Date.now() + maxDelayMs;
    const entries: SpoolEntry[] = [];
    let bytes = 0;
    for (;;) {
      for (const entry of await reader.read(maxRecords - entries.length, maxBytes - bytes)) {
        entries.push(entry);
        bytes += entry.payload.byteLength;
      }
      const left = deadline - Date.now();
      if (entries.length >= maxRecords || bytes >= maxBytes || left <= 0 || this.stopping.signal.aborted) return entries;
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), left);
      await this.options.spool.waitFor(reader.position, AbortSignal.any([this.stopping.signal, timeout.signal]));
      clearTimeout(timer);
    }
  }

  private toItem(entry: SpoolEntry): DeliveryItem | undefined {
    const json = entry.payload.toString('utf8');
    try {
      const document = JSON.parse(json) as SinkDocument;
      return { seq: entry.seq, id: document.id, json, document };
    } catch (error) {
      // Unreachable unless the spool was edited: the CRC guards what the sink wrote.
      this.options.logger.error({ err: error, destination: this.name, seq: entry.seq }, 'unreadable spool entry skipped');
      this.stats.deadLettered++;
      return undefined;
    }
  }

  /**
   * Delivers with retries; after the last allowed attempt (or a failure that retrying
   * cannot fix) the batch goes to the dead-letter file. False when the sink is stopping
   * and the batch is left for the next start.
   */
  private async deliver(items: DeliveryItem[]): Promise<boolean> {
    const { destination, config, logger } = this.options;
    let failingSince: number | undefined;
    for (let attempt = 1; ; attempt++) {
      const span = this.deliverySpan(items, attempt);
      try {
        await destination.deliver(items, this.aborting.signal);
        span?.end();
        this.stats.delivered += items.length;
        this.stats.lastError = '';
        if (attempt > 1) logger.info({ destination: this.name, attempt }, 'destination is taking records again');
        return true;
      } catch (error) {
        if (span) endSpan(span, error);
        if (this.aborting.signal.aborted) return false;
        let reason = describeError(error);
        this.stats.lastError = reason;
        failingSince ??= Date.now();
        const outlasted = Date.now() - failingSince >= config.retry.outageWindowMs;
        const exhausted = (config.retry.maxAttempts > 0 && attempt >= config.retry.maxAttempts) || outlasted;
        if (outlasted) reason = `${reason} (failing for longer than retry.outageWindowMs ${config.retry.outageWindowMs} ms)`;
        if (!isRetryable(error) && items.length > 1) {
          // Refused for one record's sake, perhaps: each goes alone, so only the refused ones are dead-lettered.
          logger.warn({ destination: this.name, records: items.length, reason }, 'destination refused a batch; delivering its records one by one');
          return this.deliverOneByOne(items);
        }
        if (!isRetryable(error) || exhausted) {
          if (await this.deadLetter(items, reason, attempt)) return true;
        } else {
          this.stats.retried += items.length;
        }
        const delay = retryDelayMs(attempt, config.retry);
        (attempt === 1 ? logger.warn : logger.debug).call(
          logger,
          { destination: this.name, attempt, records: items.length, retryInMs: delay, reason },
          'delivery failed; retrying',
        );
        await this.pause(delay);
        if (this.stopping.signal.aborted) return false;
      }
    }
  }

  /** Delivers each item as a batch of its own (with its own retries); false when the sink is stopping. */
  private async deliverOneByOne(items: readonly DeliveryItem[]): Promise<boolean> {
    for (const item of items) {
      if (!(await this.deliver([item]))) return false;
    }
    return true;
  }

  /** Waits `ms`, or less when the worker is stopping (the abort ends the wait; callers check `stopping`). */
  private async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => undefined);
  }

  /**
   * A `sink.deliver` span for one attempt when the batch holds traced records: a child of the
   * first record's call, linked to the others' (at most 32), so each call's trace shows
   * where its record went.
   */
  private deliverySpan(items: readonly DeliveryItem[], attempt: number): Span | undefined {
    const traced = items.flatMap((item) => (item.document.kind === 'prediction' && item.document.traceparent ? [item.document.traceparent] : []));
    if (traced.length === 0) return undefined;
    const links: Link[] = traced.slice(1, 33).flatMap((traceparent) => {
      const spanContext = trace.getSpanContext(contextFromTraceparent(traceparent));
      return spanContext ? [{ context: spanContext }] : [];
    });
    const span = startChildSpan(`sink.deliver ${this.name}`, contextFromTraceparent(traced[0]!), {
      'sink.destination': this.name,
      'sink.destination.type': this.options.config.type,
      'sink.records': items.length,
      'sink.attempt': attempt,
    });
    for (const link of links) span.addLink(link);
    return span;
  }

  private async deadLetter(items: DeliveryItem[], reason: string, attempts: number): Promise<boolean> {
    try {
      await this.options.deadLetters.write(items, reason, attempts);
    } catch (error) {
      this.options.logger.error({ err: error, destination: this.name }, 'cannot write the dead-letter file; retrying the batch');
      return false;
    }
    this.stats.deadLettered += items.length;
    this.options.logger.warn(
      { destination: this.name, records: items.length, attempts, reason, file: this.options.deadLetters.file },
      'batch dead-lettered',
    );
    return true;
  }
}
