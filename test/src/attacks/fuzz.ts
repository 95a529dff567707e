/**
 * The fuzz attack: malformed ModelInfer requests (malformed-requests.ts) sent to the gateway's
 * public port by hand over HTTP/2, several at once, with the valid call every thousand. Every
 * answer must be a gRPC status other than UNKNOWN and INTERNAL (OK counts: a mutation may leave
 * a valid request), within the call's deadline.
 */
import type { ClientHttp2Session } from 'node:http2';
import { MODEL_INFER_PATH } from '@infermesh/proto';
import { answerName, tally, validCallFails, type Attack, type AttackOutcome } from './attack.js';
import { malformedRequest, MALFORMED_KINDS, Prng } from './malformed-requests.js';
import { connect, grpcFrame, rawCall } from './raw-call.js';

const IN_FLIGHT = 16;
const VALID_CALL_EVERY = 1_000;
/** Failures shown in full, beyond the count. */
const EXAMPLES = 5;
const BAD = new Set(['UNKNOWN', 'INTERNAL']);

export function fuzzAttack(count: number, seed: number): Attack {
  return {
    name: 'fuzz ModelInfer',
    sent: `${count} malformed requests, seed ${seed} (${MALFORMED_KINDS.join(', ')})`,
    async run(target): Promise<AttackOutcome> {
      const random = new Prng(seed);
      const codes: Record<string, number> = {};
      const failures: string[] = [];
      const examples: string[] = [];
      let session: ClientHttp2Session | undefined;
      let next = 0;
      let validCalls = 0;
      let validFailed = 0;
      const sender = async () => {
        while (next < count) {
          const index = next++;
          const { kind, bytes } = malformedRequest(random, index);
          if (!session || session.closed || session.destroyed) session = await connect(target.gateway);
          const answer = await rawCall(session, MODEL_INFER_PATH, grpcFrame(bytes), { timeoutMs: 30_000 });
          const name = answerName(answer);
          tally(codes, name);
          if (answer.status === undefined || BAD.has(name)) {
            if (examples.length < EXAMPLES) examples.push(`#${index} ${kind} (${bytes.length} bytes, ${bytes.subarray(0, 48).toString('hex')}…): ${name} ${answer.message}`);
          }
          if ((index + 1) % VALID_CALL_EVERY === 0) {
            validCalls++;
            const why = await validCallFails(target.caller);
            if (why) {
              validFailed++;
              failures.push(`after request #${index}: ${why}`);
            }
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, sender));
      session?.close();
      const bad = Object.entries(codes).filter(([name]) => BAD.has(name) || !/^[A-Z_]+$/.test(name));
      for (const [name, times] of bad) failures.push(`${times} answered ${name}`);
      failures.push(...examples.filter(() => bad.length > 0));
      return { count, codes, failures, note: `valid call every ${VALID_CALL_EVERY}: ${validCalls - validFailed}/${validCalls} correct` };
    },
  };
}
