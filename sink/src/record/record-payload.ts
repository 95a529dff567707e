/** A gateway's record, checked, its tensors decoded, and turned into the bytes the spool keeps (its JSON document). */
import { ServiceError, type RequestLimits } from '@infermesh/common';
import type { PredictionRecord__Output } from '@infermesh/proto/sink';
import { predictionDocument } from './record-document.js';
import { withTensors } from './record-tensors.js';

const RECORD_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The spool payload of one record. A record over `maxBytes` is kept without its tensors
 * (`tensorsOmitted`); one still over it, or without a usable id, is INVALID_ARGUMENT.
 */
export function recordPayload(published: PredictionRecord__Output, maxBytes: number, requestLimits?: RequestLimits): Buffer {
  if (!RECORD_ID.test(published.record_id)) {
    throw ServiceError.invalidArgument(
      `record_id must be 1-128 printable ASCII characters without spaces, got '${published.record_id.slice(0, 140)}'`,
    );
  }
  const record = withTensors(published, maxBytes, requestLimits);
  let payload = Buffer.from(JSON.stringify(predictionDocument(record)), 'utf8');
  if (payload.byteLength > maxBytes) payload = Buffer.from(JSON.stringify(predictionDocument(record, true)), 'utf8');
  if (payload.byteLength > maxBytes) {
    throw ServiceError.invalidArgument(
      `record ${record.record_id} is ${payload.byteLength} bytes even without its tensors, over sink.maxRecordBytes ${maxBytes}`,
    );
  }
  return payload;
}
