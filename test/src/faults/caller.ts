/**
 * The fault suite's external client: `node caller.js <gateways> <model> <concurrency> <prefix>`
 * calls `simple` from `concurrency` callers back to back, each call with the request id
 * `<prefix>-<n>`, until a line `stop` arrives on stdin. `<gateways>` is one host:port, or
 * several separated by commas: then one channel spreads the calls over them as a stock gRPC
 * client with several addresses does (an `ipv4:` target with `round_robin`, which leaves out
 * an address whose connection broke, and grpc-js's transparent retries, which send again a
 * call that never reached a server). A line `mark` opens a window and `unmark` closes it:
 * the calls started inside it are counted apart (failures, p99 and longest latency);
 * `mark-at-failure` opens it when the next call fails (once this client has seen a
 * connection break, so that the calls it already sent on it stay out of the window). It
 * prints `progress <answered>` every 100 answered calls and, at the end, one JSON line: a
 * {@link CallerReport}.
 */
import { createInterface } from 'node:readline';
import { status } from '@grpc/grpc-js';
import { InferenceClient } from '@infermesh/client';
import { int32s, modelInfer } from '@infermesh/testkit';

/** The calls started between `mark` and `unmark`. */
export interface WindowReport {
  calls: number;
  failed: number;
  p99Ms: number;
  maxMs: number;
}

/** What the caller did. */
export interface CallerReport {
  sent: number;
  /** Request ids of the calls answered with outputs. */
  answered: string[];
  /** Failed calls by gRPC status name. */
  failed: Record<string, number>;
  /** One message of each failure status, for the report. */
  examples: Record<string, string>;
  /** The longest call, in ms. */
  maxMs: number;
  /** The marked window, when there was one. */
  window?: WindowReport;
}

/** Deadline of one call: long enough that a call waiting on a restarting runner is not cut. */
const CALL_TIMEOUT_MS = 30_000;
const PROGRESS_EVERY = 100;

const [gateways, model, concurrencyText, prefix] = process.argv.slice(2);
if (!gateways || !model || !concurrencyText || !prefix) throw new Error('usage: caller.js <gateways> <model> <concurrency> <prefix>');

/** grpc-js's defaults, which InferenceClient turns off: transparent retries (of a call that never reached a server) on. */
const STOCK_CLIENT = { 'grpc.enable_retries': 1, 'grpc.service_config': JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) };
const client = gateways.includes(',') ? new InferenceClient(`ipv4:${gateways}`, { channelOptions: STOCK_CLIENT }) : new InferenceClient(gateways);
const report: CallerReport = { sent: 0, answered: [], failed: {}, examples: {}, maxMs: 0 };
/** Latencies of the window's calls (a failed one counts too), and its failures. */
let window: { latencies: number[]; failed: number } | undefined;
let windowOpen = false;
let openAtFailure = false;
let stopping = false;
const openWindow = () => {
  window = { latencies: [], failed: 0 };
  windowOpen = true;
};
// `stop`, or the suite gone (stdin closed), ends the run.
createInterface({ input: process.stdin })
  .on('line', (line) => {
    const command = line.trim();
    if (command === 'stop') stopping = true;
    else if (command === 'mark') openWindow();
    else if (command === 'mark-at-failure') openAtFailure = true;
    else if (command === 'unmark') windowOpen = false;
  })
  .on('close', () => (stopping = true));

const caller = async (): Promise<void> => {
  while (!stopping) {
    const id = `${prefix}-${report.sent++}`;
    const inWindow = windowOpen ? window : undefined;
    const started = performance.now();
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
    const latency = performance.now() - started;
    report.maxMs = Math.max(report.maxMs, latency);
    inWindow?.latencies.push(latency);
    if (outcome.ok) {
      report.answered.push(id);
      if (report.answered.length % PROGRESS_EVERY === 0) process.stdout.write(`progress ${report.answered.length}\n`);
    } else {
      const name = status[outcome.code] ?? String(outcome.code);
      report.failed[name] = (report.failed[name] ?? 0) + 1;
      report.examples[name] ??= outcome.details;
      if (inWindow) inWindow.failed++;
      if (openAtFailure) {
        openAtFailure = false;
        openWindow();
      }
    }
  }
};
await Promise.all(Array.from({ length: Number(concurrencyText) }, caller));
client.close();
report.maxMs = Math.round(report.maxMs);
if (window) {
  const sorted = window.latencies.sort((a, b) => a - b);
  const p99 = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
  report.window = { calls: sorted.length, failed: window.failed, p99Ms: Math.round(p99), maxMs: Math.round(sorted.at(-1) ?? 0) };
}
// Exit once the report (megabytes after a long run) has left: a pipe is written asynchronously.
process.stdout.write(`${JSON.stringify(report)}\n`, () => process.exit(0));
