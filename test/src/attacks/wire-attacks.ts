/**
 * The attacks on the limits that hold before decoding, against the mesh of `infermesh up`:
 * a 300 MiB message, the routing-field wire-type confusion, 8-million-element BYTES and INT64
 * requests, ReportStats about versions that do not exist, and more concurrent streams on one
 * connection than limits.maxConcurrentStreams lets in.
 */
import * as http2 from 'node:http2';
import { RegistryClient } from '@infermesh/client';
import { MODEL_INFER_PATH } from '@infermesh/proto';
import { int32s, pollUntil } from '@infermesh/testkit';
import { answerName, outcomeOf, tally, unexpectedCodes, validCallFails, type Attack, type AttackOutcome } from './attack.js';
import { ATTACKER_SESSION_MEMORY_MB, connect, grpcFrame, openCall, rawCall, type RawAnswer } from './raw-call.js';
import { inputTensor, ld, tag, varint, LENGTH_DELIMITED } from './wire-writer.js';

const MiB = 1024 * 1024;

const simpleRequest = (extra: Buffer[] = []): Buffer =>
  Buffer.concat([ld(1, 'simple'), ld(5, inputTensor('INPUT0', 'INT32', [1, 16])), ld(5, inputTensor('INPUT1', 'INT32', [1, 16])), ld(7, int32s(16, 2)), ld(7, int32s(16, 3)), ...extra]);

/** Sends each of `messages` `times` times, `inFlight` at once, on one connection; tallies the answers. */
async function sendAll(gateway: string, messages: readonly Buffer[], times: number, inFlight: number): Promise<{ codes: Record<string, number>; answers: RawAnswer[] }> {
  const session = await connect(gateway);
  const codes: Record<string, number> = {};
  const answers: RawAnswer[] = [];
  const queue = messages.flatMap((message) => Array.from({ length: times }, () => message));
  const sender = async () => {
    for (let message = queue.shift(); message; message = queue.shift()) {
      const answer = await rawCall(session, MODEL_INFER_PATH, grpcFrame(message), { timeoutMs: 60_000 });
      tally(codes, answerName(answer));
      answers.push(answer);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, sender));
  session.close();
  return { codes, answers };
}

/**
 * A 300 MiB ModelInferRequest (its raw contents announce the rest), sent whole in 1 MiB chunks
 * by a client that ignores the answer: the gateway must answer from the frame header, and take
 * the rest without keeping it.
 */
export const hugeMessageAttack: Attack = {
  name: '300 MiB message',
  sent: 'one ModelInfer message of 300 MiB (raw contents), streamed in 1 MiB chunks, all of it even after the answer',
  async run(target): Promise<AttackOutcome> {
    const total = 300 * MiB;
    const head = Buffer.concat([ld(1, 'simple'), ld(5, inputTensor('INPUT0', 'INT32', [1, 16])), tag(7, LENGTH_DELIMITED)]);
    const lengthBytes = varint(total - head.length - 5);
    const prefix = Buffer.concat([head, lengthBytes]);
    const frameHeader = Buffer.alloc(5);
    frameHeader.writeUInt32BE(total, 1);
    const session = await connect(target.gateway);
    const { stream, received, answer: answered } = openCall(session, MODEL_INFER_PATH);
    let closed = false;
    void answered.then(() => (closed = true));
    // The attacker goes on sending after the answer: what the gateway still takes is discarded.
    let written = 0;
    let writtenAtAnswer: number | undefined;
    const write = (chunk: Buffer) =>
      new Promise<void>((resolve) => {
        written += chunk.length;
        if (stream.write(chunk)) resolve();
        else {
          stream.once('drain', resolve);
          void answered.then(() => resolve());
        }
      });
    await write(Buffer.concat([frameHeader, prefix]));
    const chunk = Buffer.alloc(MiB);
    while (written < total + 5 && !closed) {
      if (received.status !== undefined) writtenAtAnswer ??= written;
      await write(chunk.subarray(0, Math.min(MiB, total + 5 - written)));
    }
    if (received.status !== undefined) writtenAtAnswer ??= written;
    if (!closed) stream.end();
    const answer = await answered;
    session.close();
    const codes: Record<string, number> = {};
    tally(codes, answerName(answer));
    const failures = unexpectedCodes(codes, ['RESOURCE_EXHAUSTED']);
    if (writtenAtAnswer === undefined || writtenAtAnswer >= total) failures.push('the gateway did not answer before the whole message was sent');
    const at = writtenAtAnswer === undefined ? 'never' : `after ${(writtenAtAnswer / MiB).toFixed(0)} MiB`;
    return { count: 1, codes, failures, note: `answered ${at}; the rest (${(written / MiB).toFixed(0)} MiB in all) sent anyway, discarded: ${answer.message}` };
  },
};

/** The requests of issue 22's confusion: a routing field appended with another wire type. */
const CONFUSIONS = [
  Buffer.from([0x0d, 0x01, 0x42, 0x18, 0x00]), // model_name as fixed32 'B', then id as varint
  Buffer.from([0x10, 0x02]), // model_version as varint
  Buffer.concat([Buffer.from([0x19]), Buffer.alloc(8)]), // id as fixed64
];

export const routingConfusionAttack: Attack = {
  name: 'routing-field wire-type confusion',
  sent: 'simple request + field 1 as fixed32 (0d 01 42 18 00), field 2 as varint, field 3 as fixed64; 20 each',
  async run(target): Promise<AttackOutcome> {
    const { codes, answers } = await sendAll(target.gateway, CONFUSIONS.map((confusion) => simpleRequest([confusion])), 20, 8);
    const failures = unexpectedCodes(codes, ['INVALID_ARGUMENT']);
    const first = answers.find((answer) => answer.message.includes('field 1'));
    if (!first?.message.includes('wire type 5 (fixed32), expected 2 (length-delimited)')) failures.push(`field 1's refusal does not name the wire type: '${first?.message}'`);
    return { count: answers.length, codes, failures, note: first?.message };
  },
};

/** 8 million typed elements: empty bytes_contents (16 MB) and packed int64_contents (8 MB). */
export const manyElementsAttack: Attack = {
  name: '8M-element BYTES and INT64',
  sent: "strings: BYTES [1,8000000] of empty bytes_contents (16 MB); simple: INT64 [1,8000000] packed int64_contents (8 MB); 4 each, 2 at once",
  async run(target): Promise<AttackOutcome> {
    const elements = 8_000_000;
    const emptyBytes = Buffer.alloc(elements * 2).fill(Buffer.concat([tag(8, LENGTH_DELIMITED), Buffer.from([0])]));
    const bytesRequest = Buffer.concat([ld(1, 'strings'), ld(5, inputTensor('INPUT', 'BYTES', [1, elements], [ld(5, emptyBytes)]))]);
    const int64Request = Buffer.concat([ld(1, 'simple'), ld(5, inputTensor('INPUT0', 'INT64', [1, elements], [ld(5, ld(3, Buffer.alloc(elements)))]))]);
    const { codes, answers } = await sendAll(target.gateway, [bytesRequest, int64Request], 4, 2);
    const failures = unexpectedCodes(codes, ['INVALID_ARGUMENT', 'RESOURCE_EXHAUSTED']);
    return { count: answers.length, codes, failures, note: answers[0]?.message };
  },
};

/** Reports about made-up versions of a real model and of made-up models. */
export function madeUpStatsAttack(reports: number, versionsPerReport: number): Attack {
  return {
    name: 'ReportStats with made-up versions',
    sent: `${reports} ReportStats of ${versionsPerReport} made-up versions each (simple v1000+, model-N v1)`,
    async run(target): Promise<AttackOutcome> {
      const registry = new RegistryClient(target.registry);
      const codes: Record<string, number> = {};
      const failures: string[] = [];
      try {
        for (let report = 0; report < reports; report++) {
          const stats = Array.from({ length: versionsPerReport }, (_, i) => {
            const n = report * versionsPerReport + i;
            return { model: n % 2 ? 'simple' : `model-${n}`, version: 1000 + n, requests: 1000, errors: 500, latency: [{ le_ms: 10, count: 1000 }] };
          });
          const [name, details] = await outcomeOf(
            new Promise((resolve, reject) => registry.stub.ReportStats({ gateway: 'attacker', stats }, (error, response) => (error ? reject(error) : resolve(response)))),
          );
          tally(codes, name);
          if (name !== 'OK' && name !== 'INVALID_ARGUMENT') failures.push(`report ${report}: ${name} ${details}`);
        }
        const simple = await registry.getModel('simple');
        const versions = simple.versions.map((version) => version.version);
        if (versions.some((version) => version >= 1000)) failures.push(`simple now lists versions ${versions.join(', ')}`);
        return { count: reports, codes, failures, note: `simple's versions after: ${versions.join(', ')}` };
      } finally {
        registry.close();
      }
    },
  };
}

/**
 * `streams` streams opened at once on one connection whose client ignores the gateway's
 * SETTINGS_MAX_CONCURRENT_STREAMS (`limit`): each sends a valid request without ending it, so
 * the streams the gateway takes stay open; the valid call must be answered meanwhile on another
 * connection; then every open stream is ended and must be answered OK. The rest must be
 * refused (RST_STREAM REFUSED_STREAM).
 */
export function manyStreamsAttack(streams: number, limit: number): Attack {
  return {
    name: 'concurrent streams on one connection',
    sent: `${streams} ModelInfer streams opened at once on one connection, held open (limits.maxConcurrentStreams ${limit})`,
    async run(target): Promise<AttackOutcome> {
      // The client assumes the server allows this many until its SETTINGS arrive: it sends them all.
      const session = http2.connect(`http://${target.gateway}`, { peerMaxConcurrentStreams: streams * 2, maxSessionMemory: ATTACKER_SESSION_MEMORY_MB });
      session.on('error', () => undefined);
      const frame = grpcFrame(simpleRequest());
      const calls = Array.from({ length: streams }, () => {
        const call = openCall(session, MODEL_INFER_PATH);
        call.stream.write(frame);
        return call;
      });
      // The refusals come at once; the streams the gateway took wait for their end.
      const failures: string[] = [];
      await pollUntil(() => calls.filter(({ stream }) => stream.closed).length >= streams - limit, {
        timeoutMs: 30_000,
        what: `${streams - limit} of ${streams} streams to be refused`,
      }).catch((error: Error) => failures.push(error.message));
      const open = calls.filter(({ stream }) => !stream.closed);
      const duringHold = await validCallFails(target.caller);
      if (duringHold) failures.push(`while ${open.length} streams were held open: ${duringHold}`);
      if (open.length > limit) failures.push(`${open.length} streams open at once on one connection, over the limit of ${limit}`);
      for (const { stream } of open) stream.end();
      const answers = await Promise.all(calls.map(({ answer }) => answer));
      session.close();
      const codes: Record<string, number> = {};
      for (const answer of answers) tally(codes, answerName(answer));
      failures.push(...unexpectedCodes(codes, ['OK', 'RST REFUSED_STREAM']));
      return { count: streams, codes, failures, note: `${open.length} held open at once; valid call on another connection meanwhile: ${duringHold ?? 'correct'}` };
    },
  };
}
