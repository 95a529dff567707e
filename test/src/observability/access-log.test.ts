/**
 * The gateway's access log (gateway.accessLog): one line per call with model, version, runner,
 * code, µs, request id and trace id; none without it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@infermesh/common';
import { startInProcessMesh, type InProcessMesh } from '../harness/index.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const good = { input: { datatype: 'FP32' as const, shape: [1, 64], data: new Float32Array(64) } };
const bad = { input: { datatype: 'FP32' as const, shape: [1, 63], data: new Float32Array(63) } };

/** A gateway logger whose JSON lines land in `lines`. */
function recordingLogger(lines: Record<string, unknown>[]) {
  return createLogger('gateway', 'info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
}

const accessLines = (lines: Record<string, unknown>[]) => lines.filter((line) => line.log === 'access');

let logged: InProcessMesh | undefined;
let quiet: InProcessMesh | undefined;
const loggedLines: Record<string, unknown>[] = [];
const quietLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  logged = await startInProcessMesh({ readyModel: 'mlp', gateway: { accessLog: true, logger: recordingLogger(loggedLines) } });
  quiet = await startInProcessMesh({ readyModel: 'mlp', gateway: { logger: recordingLogger(quietLines) } });
}, 120_000);

afterAll(async () => {
  await logged?.close();
  await quiet?.close();
});

describe('gateway access log', () => {
  it('writes one line per call, successful or not, with the caller trace id', async () => {
    const { client, runner } = logged!;
    await client.infer('mlp', good, { version: '1', id: 'req-1', metadata: { traceparent: `00-${TRACE_ID}-00f067aa0ba902b7-01` } });
    await client.infer('mlp', bad, { version: '2', id: 'req-2' }).catch(() => undefined);
    await client.infer('nope', good).catch(() => undefined);
    const lines = accessLines(loggedLines);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({ level: 30, service: 'gateway', msg: 'call', model: 'mlp', version: '1', runner: 'cpu-0', address: runner.address, code: 'OK', request_id: 'req-1', trace_id: TRACE_ID });
    expect(lines[0]!.us).toBeGreaterThan(0);
    expect(Number.isInteger(lines[0]!.us)).toBe(true);
    expect(lines[1]).toMatchObject({ model: 'mlp', version: '2', runner: 'cpu-0', code: 'INVALID_ARGUMENT', request_id: 'req-2', trace_id: '' });
    expect(lines[2]).toMatchObject({ model: 'nope', runner: '', address: '', code: 'NOT_FOUND' });
  });

  it('writes nothing per call when off', async () => {
    await quiet!.client.infer('mlp', good);
    expect(accessLines(quietLines)).toEqual([]);
  });
});
