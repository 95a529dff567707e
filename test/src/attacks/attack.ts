/**
 * What an attack is and what it reports: the calls it made, their answers by code, and what
 * it found wrong; and the valid call that must be answered correctly after every attack
 * (`simple` with INPUT0 = 2, INPUT1 = 3: OUTPUT0 = 5, OUTPUT1 = -1).
 */
import * as grpc from '@grpc/grpc-js';
import type { InferenceClient } from '@infermesh/client';
import type { RawAnswer } from './raw-call.js';
import type { WatchedProcess } from './rss-sampler.js';

/** The mesh an attack runs against. */
export interface Target {
  /** The gateway's public address. */
  gateway: string;
  registry: string;
  /** The processes whose memory is watched, labelled as in the table. */
  processes(): WatchedProcess[];
  /** A client with what a legitimate caller has (TLS, token), for the valid call. */
  caller: InferenceClient;
}

/** What one attack did. */
export interface AttackOutcome {
  /** Calls (or messages, or connections) the attack made. */
  count: number;
  /** Answers by code name: grpc status names, `RST <code>` for a reset without status. */
  codes: Record<string, number>;
  /** Broken expectations, each a sentence. */
  failures: string[];
  /** Anything the table should say beside the codes. */
  note?: string;
}

export interface Attack<T extends Target = Target> {
  name: string;
  /** What was sent, for the table. */
  sent: string;
  run(target: T): Promise<AttackOutcome>;
}

/** The name of a gRPC status code. */
export const codeName = (code: number): string => grpc.status[code] ?? `status ${code}`;

/** HTTP/2 error codes by number (RFC 9113 section 7). */
const HTTP2_ERRORS = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED'];

/** How an answer made by hand is counted: its status, else its reset (`RST REFUSED_STREAM`), else its error. */
export function answerName(answer: RawAnswer): string {
  if (answer.status !== undefined) return codeName(answer.status);
  if (answer.rstCode !== undefined) return `RST ${HTTP2_ERRORS[answer.rstCode] ?? answer.rstCode}`;
  return `no status (${answer.error ?? 'stream closed'})`;
}

/** Adds one answer to `codes`. */
export function tally(codes: Record<string, number>, name: string): void {
  codes[name] = (codes[name] ?? 0) + 1;
}

/** Failures for answers whose code is not one of `expected`. */
export function unexpectedCodes(codes: Record<string, number>, expected: readonly string[]): string[] {
  return Object.entries(codes)
    .filter(([name]) => !expected.includes(name))
    .map(([name, count]) => `${count} answered ${name}, expected ${expected.join(' or ')}`);
}

/** The gRPC error of a client call, as [code name, details]; ['OK', ''] when it succeeded. */
export async function outcomeOf(call: Promise<unknown>): Promise<[string, string]> {
  try {
    await call;
    return ['OK', ''];
  } catch (error) {
    const { code, details } = error as grpc.ServiceError;
    return [code === undefined ? `error (${(error as Error).message})` : codeName(code), details ?? ''];
  }
}

/** Why the valid call was not answered correctly, or undefined when it was. */
export async function validCallFails(caller: InferenceClient): Promise<string | undefined> {
  try {
    const inputs = {
      INPUT0: { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(2) },
      INPUT1: { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(3) },
    };
    const { outputs } = await caller.infer('simple', inputs, { timeoutMs: 30_000 });
    const sum = Array.from(outputs.OUTPUT0?.data as Int32Array);
    const difference = Array.from(outputs.OUTPUT1?.data as Int32Array);
    if (sum.length !== 16 || sum.some((v) => v !== 5) || difference.some((v) => v !== -1)) {
      return `simple answered OUTPUT0 ${JSON.stringify(sum)}, OUTPUT1 ${JSON.stringify(difference)}`;
    }
    return undefined;
  } catch (error) {
    const { code, details } = error as grpc.ServiceError;
    return `simple failed: ${codeName(code)} ${details}`;
  }
}
