/**
 * One trace across every process: a caller's ModelInfer with its own `traceparent` goes
 * through real gateway, runner and sink processes that export OTLP/HTTP to a receiver this
 * test runs; their spans must share the caller's trace id, link parent to child correctly,
 * and carry the model attributes.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnService, type SpawnedService } from '@infermesh/common';
import { InferenceClient } from '@infermesh/client';
import { exampleRepository, startOtlpReceiver, waitFor, type ReceivedSpan } from '@infermesh/testkit';
import { mainScript } from '../harness/index.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let repo: Awaited<ReturnType<typeof exampleRepository>>;
let dataDir: string;
const services: SpawnedService[] = [];
let client: InferenceClient;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  repo = await exampleRepository();
  dataDir = await mkdtemp(join(tmpdir(), 'infermesh-tracing-'));
  const configFile = join(dataDir, 'mesh.json');
  await writeFile(
    configFile,
    JSON.stringify({
      dataDir,
      runners: [{ name: 'cpu-0', device: 'cpu', port: 0, modelRepository: repo.dir }],
      gateway: { port: 0, httpPort: 0, runnerRefreshMs: 200 },
      sink: { port: 0, metricsPort: null, destinations: [{ name: 'predictions', type: 'jsonl' }] },
    }),
  );
  const env = { INFERMESH_CONFIG: configFile, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' };
  const [runner, sink] = await Promise.all([
    spawnService({ name: 'runner', script: mainScript('@infermesh/runners'), env: { ...env, INFERMESH_RUNNER_NAME: 'cpu-0' } }),
    spawnService({ name: 'sink', script: mainScript('@infermesh/sink'), env }),
  ]);
  services.push(runner, sink);
  const gateway = await spawnService({
    name: 'gateway',
    script: mainScript('@infermesh/gateway'),
    env: { ...env, INFERMESH_GATEWAY_RUNNERS: runner.address, INFERMESH_SINK_ADDRESS: sink.address },
  });
  services.push(gateway);
  client = new InferenceClient(gateway.address);
  await waitFor(() => client.modelReady('mlp'), 30_000, 'mlp to be routable');
}, 120_000);

afterAll(async () => {
  client?.close();
  await Promise.all(services.map((service) => service.stop()));
  await receiver?.close();
  await repo?.remove();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('a trace across gateway, runner and sink', () => {
  it('shares the caller’s trace id with correct parent links and attributes', async () => {
    await client.infer(
      'mlp',
      { input: { datatype: 'FP32', shape: [2, 64], data: new Float32Array(128).fill(0.5) } },
      { version: '1', id: 'traced-1', metadata: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` } },
    );
    const ours = () => receiver.spans.filter((span) => span.traceId === TRACE_ID);
    const named = (service: string, name: string) => ours().find((s) => s.service === service && s.name.startsWith(name));
    await waitFor(
      async () => ['sink.spool', 'sink.deliver'].every((name) => named('infermesh-sink', name)) && Boolean(named('infermesh-runner', 'compute')),
      20_000,
      'spans from every service',
    );
    const gatewayServer = named('infermesh-gateway', 'inference.GRPCInferenceService/ModelInfer')!;
    const route = named('infermesh-gateway', 'route')!;
    const runnerServer = named('infermesh-runner', 'inference.GRPCInferenceService/ModelInfer')!;
    const batch = named('infermesh-runner', 'batch')!;
    const compute = named('infermesh-runner', 'compute')!;
    const spool = named('infermesh-sink', 'sink.spool')!;
    const deliver = named('infermesh-sink', 'sink.deliver')!;

    const parentOf = (span: ReceivedSpan) => span.parentSpanId;
    expect(parentOf(gatewayServer)).toBe(CALLER_SPAN);
    expect(parentOf(route)).toBe(gatewayServer.spanId);
    expect(parentOf(runnerServer)).toBe(route.spanId);
    expect(parentOf(batch)).toBe(runnerServer.spanId);
    expect(parentOf(compute)).toBe(batch.spanId);
    expect(parentOf(spool)).toBe(gatewayServer.spanId);
    expect(parentOf(deliver)).toBe(gatewayServer.spanId);

    expect(gatewayServer.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.service': 'inference.GRPCInferenceService',
      'rpc.method': 'ModelInfer',
      'rpc.grpc.status_code': 0,
      'model.name': 'mlp',
      'model.version': '1',
    });
    expect(route.attributes).toMatchObject({ 'model.name': 'mlp', 'model.version': '1', 'route.reason': 'explicit' });
    expect(runnerServer.attributes).toMatchObject({ 'model.name': 'mlp', 'model.version': '1', device: 'cpu', 'rpc.grpc.status_code': 0 });
    expect(batch.attributes).toMatchObject({ 'batch.size': 1, device: 'cpu', 'model.version': '1' });
    expect(deliver.attributes).toMatchObject({ 'sink.destination': 'predictions', 'sink.destination.type': 'jsonl' });
  }, 60_000);

  it('marks a failed call with its gRPC code on the gateway and runner spans', async () => {
    const failedTrace = '1af7651916cd43dd8448eb211c80319c';
    await client
      .infer('mlp', { input: { datatype: 'FP32', shape: [1, 63], data: new Float32Array(63) } }, { metadata: { traceparent: `00-${failedTrace}-${CALLER_SPAN}-01` } })
      .catch(() => undefined);
    await waitFor(async () => receiver.spans.filter((s) => s.traceId === failedTrace && s.name.includes('ModelInfer')).length >= 2, 20_000, 'the failed call’s spans');
    for (const span of receiver.spans.filter((s) => s.traceId === failedTrace && s.name.includes('ModelInfer'))) {
      expect(span.attributes['rpc.grpc.status_code']).toBe(3);
      expect(span.status.code).toBe(2);
    }
  }, 60_000);
});
