/**
 * Log lines about a call carry its trace id: a runner that fails a call with INTERNAL has its
 * details logged by the gateway (the caller gets a mapped message) with the caller's trace id.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { InferenceClient } from '@infermesh/client';
import { createLogger, type StartedGrpcServer } from '@infermesh/common';
import type { Gateway } from '@infermesh/gateway';
import { waitFor } from '@infermesh/testkit';
import { startBrokenRunner, startGatewayInProcess } from '../harness/index.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const input = { input: { datatype: 'FP32' as const, shape: [1, 64], data: new Float32Array(64) } };

let broken: StartedGrpcServer;
let gateway: Gateway;
let client: InferenceClient;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  broken = await startBrokenRunner('mlp', '1');
  const logger = createLogger('gateway', 'info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  gateway = await startGatewayInProcess([broken.address], { forwarding: 'http2', logger });
  client = new InferenceClient(gateway.address);
  await waitFor(async () => gateway.pool.runners.every((runner) => runner.healthy), 30_000, 'the runner to be routable');
}, 60_000);

afterAll(async () => {
  client?.close();
  await gateway?.close();
  await broken?.close();
});

describe('trace ids in log lines', () => {
  it("writes the caller's trace id on the gateway's line about a runner's failure", async () => {
    const error = await client.infer('mlp', input, { metadata: { traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01` } }).catch((e: grpc.ServiceError) => e);
    expect((error as grpc.ServiceError).code).toBe(grpc.status.INTERNAL);
    const failure = lines.find((line) => line.msg === 'runner failed a ModelInfer');
    expect(failure).toMatchObject({ service: 'gateway', address: broken.address, code: 'INTERNAL', details: 'broken runner', trace_id: TRACE_ID });
  });
});
