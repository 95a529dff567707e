/**
 * Outlier ejection against real servers: a runner that answers Status with mlp v2 ready but
 * fails every ModelInfer with INTERNAL (which is not retried) costs the callers 5 failed
 * calls, then the gateway leaves it out for its cool-down and every call goes to the good
 * runner, on both forwarding designs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { InferenceClient } from '@infermesh/client';
import type { StartedGrpcServer } from '@infermesh/common';
import type { Gateway } from '@infermesh/gateway';
import type { Runner } from '@infermesh/runners';
import { exampleRepository, waitFor } from '@infermesh/testkit';
import { startBrokenRunner, startGatewayInProcess, startRunnerInProcess } from '../harness/index.js';

const CALLS = 40;
const input = { input: { datatype: 'FP32' as const, shape: [1, 64], data: new Float32Array(64) } };

let repo: Awaited<ReturnType<typeof exampleRepository>>;
let good: Runner;
let broken: StartedGrpcServer;

beforeAll(async () => {
  repo = await exampleRepository();
  good = await startRunnerInProcess(repo.dir, { name: 'cpu-0' });
  broken = await startBrokenRunner('mlp', '2');
}, 120_000);

afterAll(async () => {
  await broken?.close();
  await good?.close();
  await repo?.remove();
});

describe.each(['http2', 'grpc-js'] as const)('outlier ejection (%s forwarding)', (forwarding) => {
  let gateway: Gateway;
  let client: InferenceClient;
  afterAll(async () => {
    client?.close();
    await gateway?.close();
  });

  it('ejects a runner after 5 failures in a row, and the other runner answers the rest', async () => {
    // A cool-down longer than any run of this test, so that the ejected runner cannot come back mid-test.
    gateway = await startGatewayInProcess([broken.address, good.address], { forwarding, outlier: { consecutiveFailures: 5, cooldownMs: 3_600_000 } });
    client = new InferenceClient(gateway.address);
    await waitFor(async () => gateway.pool.runners.every((runner) => runner.healthy && runner.serves('mlp', '2')), 30_000, 'both runners to be routable');
    const failures: string[] = [];
    for (let i = 0; i < CALLS; i++) {
      await client.infer('mlp', input, { version: '2' }).catch((error: grpc.ServiceError) => failures.push(`${grpc.status[error.code]}: ${error.details}`));
    }
    // A fresh gateway: the broken runner is drawn about half the time until it is ejected.
    // The runner's own details stay in the gateway's log: the caller gets the mapped message.
    expect(failures).toEqual(Array.from({ length: 5 }, () => 'INTERNAL: internal error (INTERNAL) in an upstream service; see the gateway log'));
    const ejected = gateway.pool.runners.find((runner) => runner.address === broken.address)!;
    expect(ejected.outlier.ejections).toBe(1);
    expect(ejected.outlier.ejected).toBe(true);
  });
});
