/**
 * The gateway's retry policy against real runners: a runner that has just unloaded a version
 * the gateway still routes to answers NOT_FOUND, and the default policy sends the call to
 * another runner; a policy without NOT_FOUND lets that answer through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { status } from '@grpc/grpc-js';
import { InferenceClient } from '@infermesh/client';
import { GATEWAY_RETRY_DEFAULTS } from '@infermesh/common';
import type { Gateway } from '@infermesh/gateway';
import type { Runner } from '@infermesh/runners';
import { exampleRepository, RunnerProbe, waitFor } from '@infermesh/testkit';
import { startGatewayInProcess, startRunnerInProcess } from '../harness/index.js';

const CALLS = 24;
const input = { input: { datatype: 'FP32' as const, shape: [1, 64], data: new Float32Array(64) } };

let repo: Awaited<ReturnType<typeof exampleRepository>>;
const runners: Runner[] = [];
const gateways: Gateway[] = [];
const clients: InferenceClient[] = [];
/** Both forwarding designs, each with a gateway on the default policy and one that does not retry NOT_FOUND. */
const FORWARDING = ['http2', 'grpc-js'] as const;
const byForwarding = new Map<(typeof FORWARDING)[number], { retrying: InferenceClient; notRetryingNotFound: InferenceClient }>();

beforeAll(async () => {
  repo = await exampleRepository();
  runners.push(await startRunnerInProcess(repo.dir, { name: 'cpu-0' }), await startRunnerInProcess(repo.dir, { name: 'cpu-1' }));
  const addresses = runners.map((runner) => runner.address);
  // Routes never refresh during the test, so both gateways keep sending version 2 to the runner that unloads it.
  for (const forwarding of FORWARDING) {
    const retrying = await startGatewayInProcess(addresses, { runnerRefreshMs: 600_000, forwarding });
    const notRetrying = await startGatewayInProcess(addresses, { runnerRefreshMs: 600_000, forwarding, retry: { ...GATEWAY_RETRY_DEFAULTS, codes: ['UNAVAILABLE'] } });
    gateways.push(retrying, notRetrying);
    const pair = { retrying: new InferenceClient(retrying.address), notRetryingNotFound: new InferenceClient(notRetrying.address) };
    clients.push(pair.retrying, pair.notRetryingNotFound);
    byForwarding.set(forwarding, pair);
  }
  for (const client of clients) await waitFor(() => client.modelReady('mlp', '2'), 10_000, 'mlp 2 to be routable');
  const probe = new RunnerProbe(runners[0]!.address);
  expect(await probe.unloadModel('mlp', '2')).toMatchObject({ ok: true });
  expect(await probe.version('mlp', '2')).toBeUndefined();
}, 120_000);

afterAll(async () => {
  for (const client of clients) client.close();
  for (const gateway of gateways) await gateway.close();
  for (const runner of runners) await runner.close();
  await repo?.remove();
});

async function outcomes(client: InferenceClient): Promise<(number | 'ok')[]> {
  const results: (number | 'ok')[] = [];
  for (let i = 0; i < CALLS; i++) {
    results.push(await client.infer('mlp', input, { version: '2' }).then(() => 'ok' as const, (error: { code: number }) => error.code));
  }
  return results;
}

describe.each(FORWARDING)('gateway retry policy (%s forwarding)', (forwarding) => {
  it('retries NOT_FOUND from a runner that unloaded the version on the other runner, by default', async () => {
    expect(new Set(await outcomes(byForwarding.get(forwarding)!.retrying))).toEqual(new Set(['ok']));
  });

  it('lets NOT_FOUND through when gateway.retry.codes leaves it out', async () => {
    const seen = new Set(await outcomes(byForwarding.get(forwarding)!.notRetryingNotFound));
    expect(seen.has(status.NOT_FOUND)).toBe(true);
  });
});
