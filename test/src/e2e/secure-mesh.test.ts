/**
 * The mesh as processes with security on from its config file: mutual TLS between registry,
 * runner, sink and gateway, TLS on the gateway's public port, and bearer tokens. A version is
 * registered by an admin, placed on the runner and served through the gateway; its record
 * reaches the sink without the caller's token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { InferenceClient, RegistryClient } from '@infermesh/client';
import { spawnService, type SpawnedService } from '@infermesh/common';
import { createTestCa, mlpModel, waitFor, type TestCa } from '@infermesh/testkit';
import { mainScript } from '../harness/index.js';

const ADMIN = 'secure-mesh-admin-token-01';
const CALLER = 'secure-mesh-caller-token-1';

let dataDir: string;
let ca: TestCa;
const processes: SpawnedService[] = [];
let registry: RegistryClient;
let gateway: InferenceClient;
let gatewayAddress: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'infermesh-secure-mesh-'));
  ca = await createTestCa();
  const node = ca.issue('node');
  const publicCert = ca.issue('public');
  const repository = join(dataDir, 'runner-repository');
  await mkdir(repository);
  await writeFile(
    join(dataDir, 'tokens.json'),
    JSON.stringify({ tokens: [{ name: 'ops', token: ADMIN, roles: ['admin'] }, { name: 'app', token: CALLER, models: ['mlp'] }] }),
  );
  const config = {
    dataDir,
    log: { level: 'info' },
    runners: [{ name: 'runner-0', device: 'cpu', port: 0, modelRepository: repository, intraOpThreads: 1 }],
    gateway: { port: 0, httpPort: 0, runnerRefreshMs: 200, tls: { cert: publicCert.cert, key: publicCert.key, clientAuth: 'none' } },
    registry: { port: 0, leaseMs: 2_000, runnerSyncMs: 250, statsReportMs: 200 },
    sink: { port: 0, metricsPort: 0, publisher: { headers: ['*'], batchDelayMs: 0 }, destinations: [{ name: 'records', type: 'jsonl' }] },
    tls: { cert: node.cert, key: node.key, ca: node.ca, reloadMs: 1_000 },
    auth: { tokens: join(dataDir, 'tokens.json') },
  };
  const configFile = join(dataDir, 'infermesh.json');
  await writeFile(configFile, JSON.stringify(config));
  const spawn = async (name: string, script: string, env: Record<string, string> = {}) => {
    const service = await spawnService({ name, script, env: { INFERMESH_CONFIG: configFile, ...env } });
    processes.push(service);
    return service;
  };
  const registryProcess = await spawn('registry', mainScript('@infermesh/registry'));
  const withRegistry = { INFERMESH_REGISTRY_ADDRESS: registryProcess.address };
  await spawn('runner-0', mainScript('@infermesh/runners'), { ...withRegistry, INFERMESH_RUNNER_NAME: 'runner-0' });
  const sink = await spawn('sink', mainScript('@infermesh/sink'));
  const gatewayProcess = await spawn('gateway', mainScript('@infermesh/gateway'), { ...withRegistry, INFERMESH_SINK_ADDRESS: sink.address });

  const operator = ca.issue('operator');
  registry = new RegistryClient(registryProcess.address, {
    credentials: grpc.credentials.createSsl(ca.read(ca.ca), ca.read(operator.key), ca.read(operator.cert)),
    token: ADMIN,
  });
  gatewayAddress = gatewayProcess.address;
  gateway = new InferenceClient(gatewayAddress, { credentials: grpc.credentials.createSsl(ca.read(ca.ca)), token: CALLER });
  await waitFor(async () => (await registry.listRunners()).some((runner) => runner.live), 30_000, 'the runner to register over mutual TLS');
}, 180_000);

afterAll(async () => {
  registry?.close();
  gateway?.close();
  for (const service of processes.reverse()) await service.stop();
  await ca?.remove();
  await rm(dataDir, { recursive: true, force: true });
});

describe('a mesh with TLS and tokens from its config', () => {
  it('registers, places and serves a version, and records the call without the token', async () => {
    // Under <dataDir>/models: the folder a registry on loopback takes paths from by default.
    const artifact = join(dataDir, 'models', 'mlp.onnx');
    await mkdir(dirname(artifact), { recursive: true });
    await writeFile(artifact, mlpModel(1));
    await registry.registerVersion({ model: 'mlp', version: 1, artifact, actor: 'test' });
    await registry.setRollout('mlp', { stable_version: 1 }, ['stable_version']);
    await waitFor(() => gateway.modelReady('mlp').catch(() => false), 60_000, 'mlp to be served through the gateway');
    const input = { input: { datatype: 'FP32' as const, shape: [1, 64], data: new Float32Array(64).fill(0.5) } };
    const result = await gateway.infer('mlp', input, { id: 'secure-1', metadata: { 'x-user': 'u1' } });
    expect(result.id).toBe('secure-1');

    const folder = join(dataDir, 'predictions');
    const records = async () => {
      const files = await readdir(folder).catch(() => [] as string[]);
      const lines = await Promise.all(files.map(async (file) => (await readFile(join(folder, file), 'utf8')).split('\n').filter(Boolean)));
      return lines.flat().map((line) => JSON.parse(line) as { requestId?: string; headers?: Record<string, string> });
    };
    await waitFor(async () => (await records()).some((record) => record.requestId === 'secure-1'), 30_000, 'the record to reach the sink over mutual TLS');
    const record = (await records()).find((entry) => entry.requestId === 'secure-1')!;
    expect(record.headers?.['x-user']).toBe('u1');
    expect(JSON.stringify(record)).not.toContain(CALLER);
  });

  it('refuses callers without a token or outside their models, and registry changes without the admin role', async () => {
    const anonymous = new InferenceClient(gatewayAddress, { credentials: grpc.credentials.createSsl(ca.read(ca.ca)) });
    try {
      await expect(anonymous.infer('mlp', { input: { datatype: 'FP32', shape: [1, 64], data: new Float32Array(64) } })).rejects.toMatchObject({
        code: grpc.status.UNAUTHENTICATED,
      });
    } finally {
      anonymous.close();
    }
    await expect(gateway.modelMetadata('other')).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    const operator = ca.issue('operator-2');
    const notAdmin = new RegistryClient(registry.address, {
      credentials: grpc.credentials.createSsl(ca.read(ca.ca), ca.read(operator.key), ca.read(operator.cert)),
      token: CALLER,
    });
    try {
      await expect(notAdmin.promote('mlp')).rejects.toMatchObject({ code: grpc.status.PERMISSION_DENIED });
    } finally {
      notAdmin.close();
    }
  });
});
