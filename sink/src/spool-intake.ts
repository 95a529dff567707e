/** What enters the spool: prediction batches from gateways and dead letters from sources, counted by kind. */
import { contextFromTraceparent, endSpan, startChildSpan, type RequestLimits } from '@infermesh/common';
import type { PredictionRecord__Output } from '@infermesh/proto/sink';
import type { DeadLetterDocument } from './record/record-document.js';
import { recordPayload } from './record/record-payload.js';
import { EntryKind } from './spool/frame.js';
import type { Spool } from './spool/Spool.js';

/**
 * The ways into the spool.
 * @internal
 */
export interface SpoolIntake {
  /** Entries made durable since the sink started, by kind. */
  readonly received: { prediction: number; 'dead-letter': number };
  /** Makes a Publish batch durable; rejects with a ServiceError naming what is wrong. */
  ingest(records: readonly PredictionRecord__Output[]): Promise<void>;
  /** Makes a source's dead letter durable. */
  deadLetter(document: DeadLetterDocument): Promise<void>;
}

/**
 * The intake of `spool`; records over `maxRecordBytes` go without their tensors, and so do
 * captured requests over `requestLimits` (default DEFAULT_REQUEST_LIMITS).
 * @internal
 */
export function spoolIntake(spool: Spool, maxRecordBytes: number, requestLimits?: RequestLimits): SpoolIntake {
  const received = { prediction: 0, 'dead-letter': 0 };
  return {
    received,
    ingest: async (records) => {
      const entries = records.map((record) => ({ kind: EntryKind.prediction, payload: recordPayload(record, maxRecordBytes, requestLimits) }));
      // A span per traced record, under the gateway's span for its call, for the wait until it is durable.
      const spans = records.flatMap((record) =>
        record.traceparent ? [startChildSpan('sink.spool', contextFromTraceparent(record.traceparent), { 'sink.record_id': record.record_id })] : [],
      );
      try {
        await spool.append(entries);
      } catch (error) {
        for (const span of spans) endSpan(span, error);
        throw error;
      }
      for (const span of spans) span.end();
      received.prediction += entries.length;
    },
    deadLetter: async (document) => {
      await spool.append([{ kind: EntryKind.deadLetter, payload: Buffer.from(JSON.stringify(document), 'utf8') }]);
      received['dead-letter']++;
    },
  };
}
