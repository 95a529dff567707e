/**
 * The fault suite's external client: `node caller.js <gateway> <model> <concurrency> <prefix>`
 * calls `simple` from `concurrency` callers back to back, each call with the request id
 * `<prefix>-<n>`, until a line `stop` arrives on stdin. It prints `progress <answered>` every
 * 100 answered calls and, at the end, one JSON line: a {@link CallerReport}.
 */
import { createInterface } from 'node:readline';
import { status } from '@grpc/grpc-js';
import { InferenceClient } from '@infermesh/client';
import { int32s, modelInfer } from '@infermesh/testkit';

/** What the caller did. */
export interface CallerReport {
  sent: number;
  /** Request ids of the calls answered with outputs. */
  answered: string[];
  /** Failed calls by gRPC status name. */
  failed: Record<string, number>;
  /** One message of each failure status, for the report. */
  examples: Record<string, string>;
}

/** Deadline of one call: long enough that a call waiting on a restarting runner is not cut. */
const CALL_TIMEOUT_MS = 30_000;
const PROGRESS_EVERY = 100;

const [gateway, model, concurrencyText, prefix] = process.argv.slice(2);
if (!gateway || !model || !concurrencyText || !prefix) throw new Error('usage: caller.js <gateway> <model> <concurrency> <prefix>');

const client = new InferenceClient(gateway);
const report: CallerReport = { sent: 0, answered: [], failed: {}, examples: {} };
let stopping = false;
// `stop`, or the suite gone (stdin closed), ends the run.
createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line.trim() === 'stop') stopping = true;
  })
  .on('close', () => (stopping = true));

const caller = async (): Promise<void> => {
  while (!stopping) {
    const id = `${prefix}-${report.sent++}`;
    const outcome = await modelInfer(
      client,
      {
        model_name: model,
        id,
        inputs: [
          { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
          { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
        ],
        raw_input_contents: [int32s(16, 2), int32s(16, 1)],
      },
      CALL_TIMEOUT_MS,
    );
    if (outcome.ok) {
      report.answered.push(id);
      if (report.answered.length % PROGRESS_EVERY === 0) process.stdout.write(`progress ${report.answered.length}\n`);
    } else {
      const name = status[outcome.code] ?? String(outcome.code);
      report.failed[name] = (report.failed[name] ?? 0) + 1;
      report.examples[name] ??= outcome.details;
    }
  }
};
await Promise.all(Array.from({ length: Number(concurrencyText) }, caller));
client.close();
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(0);
