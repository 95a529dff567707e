/**
 * What a caller hears of a runner's failure: an INTERNAL from the runner (onnxruntime
 * failing on valid input) reaches the caller with a generic message and its code, on both
 * forwarding paths, while the runner's INVALID_ARGUMENT about the caller's own input keeps
 * its message. A real runner runs a model that fails inside onnxruntime.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { InferenceClient } from '@infermesh/client';
import type { Gateway } from '@infermesh/gateway';
import type { Runner } from '@infermesh/runners';
import { exampleRepository, waitFor } from '@infermesh/testkit';
import { startGatewayInProcess, startRunnerInProcess } from '../harness/index.js';
import { failingMlpModel, mlpInput } from '../registry/models.js';

describe.each(['http2', 'grpc-js'] as const)('runner errors at the caller (%s forwarding)', (forwarding) => {
  let repo: Awaited<ReturnType<typeof exampleRepository>>;
  let runner: Runner;
  let gateway: Gateway;
  let client: InferenceClient;

  beforeAll(async () => {
    repo = await exampleRepository();
    await mkdir(join(repo.dir, 'failing', '1'), { recursive: true });
    await writeFile(join(repo.dir, 'failing', '1', 'model.onnx'), failingMlpModel());
    runner = await startRunnerInProcess(repo.dir);
    gateway = await startGatewayInProcess([runner.address], { forwarding });
    client = new InferenceClient(gateway.address);
    await waitFor(() => client.modelReady('failing'), 30_000, 'failing to be routable');
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await gateway?.close();
    await runner?.close();
    await repo?.remove();
  });

  const outcome = (promise: Promise<unknown>) =>
    promise.then(
      () => 'OK',
      (error: { code: number; details: string }) => `${status[error.code]}: ${error.details}`,
    );

  it('maps an upstream INTERNAL to a generic message, keeps INVALID_ARGUMENT about the input, and answers right after', async () => {
    expect(await outcome(client.infer('failing', mlpInput()))).toBe('INTERNAL: internal error (INTERNAL) in an upstream service; see the gateway log');
    expect(await outcome(client.infer('failing', { input: { datatype: 'INT32', shape: [1, 64], data: new Int32Array(64) } }))).toMatch(/^INVALID_ARGUMENT: .*input.*FP32/);
    const simple = await client.infer('simple', {
      INPUT0: { datatype: 'INT32', shape: [1, 16], data: new Int32Array(16).fill(7) },
      INPUT1: { datatype: 'INT32', shape: [1, 16], data: new Int32Array(16).fill(2) },
    });
    expect([...(simple.outputs.OUTPUT0!.data as Int32Array)]).toEqual(new Array(16).fill(9));
  }, 60_000);
});
