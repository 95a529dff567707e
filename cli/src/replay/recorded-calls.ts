/**
 * The calls a replay sends: the prediction records of one model, in the source's order,
 * that carry their inputs; what it passes over is counted by reason, so a report can say
 * why fewer calls were replayed than records were read.
 */
import type { TensorJson } from '@infermesh/common';
import { CliError } from '../cli-error.js';
import type { RecordSource } from './record-source.js';

/** What replay reads of a prediction record (the sink's PredictionDocument). */
export interface RecordedCall {
  id: string;
  /** RFC 3339. */
  time: string;
  requestId: string;
  modelName: string;
  modelVersion: string;
  status: string;
  latencyMs: number;
  inputs: TensorJson[];
  outputs: TensorJson[];
  /** Where the record is (file and line), for messages. */
  where: string;
}

/** Records read and passed over, by reason. */
export interface SelectionCounts {
  /** Prediction records of the model (shadow answers aside) at or after --since. */
  matching: number;
  /** Calls that had failed: there is no answer to compare with. */
  failed: number;
  /** The gateway did not capture the model's inputs (sink.publisher.captureInputs). */
  withoutInputs: number;
  /** The tensors were left out for size. */
  tensorsOmitted: number;
  /** Records of other models, dead letters and shadow answers. */
  otherRecords: number;
}

/** What to select. */
export interface Selection {
  model: string;
  /** ms since the epoch; 0: every record. */
  sinceMs: number;
  limit: number;
}

interface Document {
  kind?: unknown;
  id?: unknown;
  time?: unknown;
  requestId?: unknown;
  modelName?: unknown;
  modelVersion?: unknown;
  status?: unknown;
  latencyMs?: unknown;
  inputs?: unknown;
  outputs?: unknown;
  tensorsOmitted?: unknown;
  shadow?: unknown;
}

function parse(text: string, where: string): Document {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new CliError(`${where}: not a JSON record (replay reads the sink's jsonl records, one JSON document a line)`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new CliError(`${where}: not a record (expected a JSON object)`);
  return document as Document;
}

/** Reads `source` until `selection.limit` calls are selected; the calls in source order and the counts. */
export async function selectRecordedCalls(source: RecordSource, selection: Selection): Promise<{ calls: RecordedCall[]; counts: SelectionCounts }> {
  const counts: SelectionCounts = { matching: 0, failed: 0, withoutInputs: 0, tensorsOmitted: 0, otherRecords: 0 };
  const calls: RecordedCall[] = [];
  const models = new Set<string>();
  try {
    for await (const { text, where } of source.lines) {
      const document = parse(text, where);
      if (typeof document.modelName === 'string') models.add(document.modelName);
      if (document.kind !== 'prediction' || document.modelName !== selection.model || document.shadow !== undefined) {
        counts.otherRecords++;
        continue;
      }
      const time = typeof document.time === 'string' ? Date.parse(document.time) : NaN;
      if (Number.isNaN(time)) throw new CliError(`${where}: the record has no valid time`);
      if (time < selection.sinceMs) {
        counts.otherRecords++;
        continue;
      }
      counts.matching++;
      if (document.status !== 'OK') counts.failed++;
      else if (document.tensorsOmitted === true) counts.tensorsOmitted++;
      else if (!Array.isArray(document.inputs) || document.inputs.length === 0) counts.withoutInputs++;
      else {
        if (!Array.isArray(document.outputs)) throw new CliError(`${where}: the record has no outputs`);
        calls.push({
          id: String(document.id ?? ''),
          time: document.time as string,
          requestId: String(document.requestId ?? ''),
          modelName: selection.model,
          modelVersion: String(document.modelVersion ?? ''),
          status: 'OK',
          latencyMs: Number(document.latencyMs) || 0,
          inputs: document.inputs as TensorJson[],
          outputs: document.outputs as TensorJson[],
          where,
        });
        if (calls.length >= selection.limit) break;
      }
    }
  } finally {
    await source.close();
  }
  if (calls.length === 0) throw new CliError(nothingToReplay(source.name, selection.model, counts, models));
  return { calls, counts };
}

/** Why there is nothing to replay, and what to do about it. */
function nothingToReplay(source: string, model: string, counts: SelectionCounts, models: ReadonlySet<string>): string {
  if (counts.matching === 0) {
    const others = [...models].filter((name) => name !== model);
    return `${source}: no records of model '${model}'${others.length > 0 ? ` (it has records of ${others.sort().join(', ')})` : ''}`;
  }
  if (counts.withoutInputs > 0) {
    return `${source}: ${counts.withoutInputs} of the ${counts.matching} records of model '${model}' have no captured inputs; add '${model}' to sink.publisher.captureInputs in the mesh config to record them`;
  }
  return `${source}: none of the ${counts.matching} records of model '${model}' can be replayed (${counts.failed} failed calls, ${counts.tensorsOmitted} with tensors left out for size)`;
}
