/**
 * `infermesh replay --from <jsonl or destination> --model M --version V`: re-sends recorded
 * calls' inputs to a candidate version through the gateway and reports how far its answers
 * agree with the recorded ones, and its latency.
 */
import { existsSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { status } from '@grpc/grpc-js';
import { InferenceClient } from '@infermesh/client';
import { readConfigFile } from '@infermesh/common';
import { CliError } from '../cli-error.js';
import { clientSecurityOf } from '../client-security.js';
import { emit, useJsonOutput } from '../output.js';
import { integer, positiveNumber } from '../parse-options.js';
import { progressBar } from '../progress.js';
import type { RegistryOptions } from '../registry-address.js';
import { openRecordSource } from '../replay/record-source.js';
import { selectRecordedCalls } from '../replay/recorded-calls.js';
import { replayCalls } from '../replay/replay-calls.js';
import { replayReport, replayText } from '../replay/replay-report.js';

interface ReplayOptions {
  from: string;
  model: string;
  version: number;
  since?: number;
  limit: number;
  rate: number;
  gateway?: string;
  timeoutMs: number;
  json?: boolean;
}

const DURATION_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: an RFC 3339 time, or a duration back from now (`30m`, `2h`, `7d`). */
export const sinceTime = (value: string): number => {
  const relative = /^(\d+)([smhd])$/.exec(value);
  if (relative) return Date.now() - Number(relative[1]) * DURATION_MS[relative[2]!]!;
  const time = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) throw new InvalidArgumentError('expected a time such as 2026-12-07T08:00:00Z, or a duration back from now such as 30m, 2h or 7d');
  return time;
};

/** The gateway's address: --gateway, else the mesh config's gateway section, else its defaults. */
function gatewayAddress(options: ReplayOptions & RegistryOptions): string {
  if (options.gateway) return options.gateway;
  const raw = existsSync(options.config) ? (readConfigFile(options.config) as { gateway?: { host?: unknown; port?: unknown } } | null) : undefined;
  const host = typeof raw?.gateway?.host === 'string' ? raw.gateway.host : '127.0.0.1';
  const port = typeof raw?.gateway?.port === 'number' ? raw.gateway.port : 8001;
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Refuses a replay against a version the gateway does not serve before any record is read. */
async function checkCandidate(client: InferenceClient, gateway: string, model: string, version: string): Promise<void> {
  try {
    await client.modelMetadata(model, version, { deadline: Date.now() + 10_000 });
  } catch (error) {
    const { code, details } = error as { code?: number; details?: string };
    if (code === status.NOT_FOUND) throw new CliError(`the gateway at ${gateway} has no model '${model}' version ${version}: ${details}`);
    if (code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED) throw new CliError(`cannot reach the gateway at ${gateway} (${details}); --gateway host:port names another one`);
    throw new CliError(`the gateway at ${gateway}: ${status[code ?? status.UNKNOWN]}: ${details}`);
  }
}

export function replayCommand(program: Command): void {
  program
    .command('replay')
    .description("re-send recorded calls' inputs (sink records of models in sink.publisher.captureInputs) to a candidate version through the gateway, in record order; report agreement with the recorded answers and latency")
    .requiredOption('--from <source>', 'a jsonl file of sink records, a folder of them, or the name of a jsonl or postgres destination in the mesh config')
    .requiredOption('--model <name>', 'the model whose records are replayed')
    .requiredOption('--version <n>', 'the candidate version the calls go to', integer(1))
    .option('--since <time>', 'only records at or after this time: RFC 3339, or a duration back from now (30m, 2h, 7d)', sinceTime)
    .option('--limit <n>', 'replay at most this many records, the first in record order', integer(1), 10_000)
    .option('--rate <n>', 'calls a second at most (0: as fast as answers come)', positiveNumber, 0)
    .option('--gateway <host:port>', "the gateway's address (default: the mesh config's gateway section)")
    .option('--timeout-ms <n>', 'deadline of each call', integer(1), 30_000)
    .option('--json', 'print the report as one JSON document (the same as -o json)')
    .action(async (options: ReplayOptions, command: Command) => {
      if (options.json) useJsonOutput();
      const all = command.optsWithGlobals<ReplayOptions & RegistryOptions>();
      const gateway = gatewayAddress(all);
      const version = String(options.version);
      const client = new InferenceClient(gateway, clientSecurityOf(all));
      try {
        await checkCandidate(client, gateway, options.model, version);
        const source = await openRecordSource(options.from, options.model, options.since ?? 0, all.config);
        const { calls, counts } = await selectRecordedCalls(source, { model: options.model, sinceMs: options.since ?? 0, limit: options.limit });
        const bar = progressBar(`replaying ${options.model} v${version}`, calls.length, 'calls');
        let outcome;
        try {
          outcome = await replayCalls(client, calls, { model: options.model, version, rate: options.rate, timeoutMs: options.timeoutMs, onProgress: (done) => bar.update(done) });
        } finally {
          bar.stop();
        }
        const report = replayReport({ source: source.name, model: options.model, version }, calls, counts, outcome);
        emit(report, () => replayText(report));
      } finally {
        client.close();
      }
    });
}
