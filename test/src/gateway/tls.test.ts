/** TLS on the mesh: mutual TLS between gateway and runner, TLS on the public port and status page, refusals, and reload of rewritten files. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync } from 'node:fs';
import * as https from 'node:https';
import * as grpc from '@grpc/grpc-js';
import { InferenceClient } from '@infermesh/client';
import { tlsSchema, type TlsConfig } from '@infermesh/common';
import type { Gateway } from '@infermesh/gateway';
import type { Runner } from '@infermesh/runners';
import { createTestCa, exampleRepository, waitFor, type CertFiles, type TestCa } from '@infermesh/testkit';
import { startGatewayInProcess, startRunnerInProcess } from '../harness/index.js';

const input = { input: { datatype: 'FP32' as const, shape: [1, 64], data: new Float32Array(64).fill(0.5) } };

let ca: TestCa;
let otherCa: TestCa;
let repo: Awaited<ReturnType<typeof exampleRepository>>;
let runner: Runner;
let client: CertFiles;
const gateways: Gateway[] = [];

function tls(files: CertFiles, extra: Partial<TlsConfig> = {}): TlsConfig {
  return tlsSchema.parse({ cert: files.cert, key: files.key, ca: files.ca, reloadMs: 50, ...extra });
}

/** TLS credentials trusting `trust`, with `files`' certificate when given. */
function credentials(trust: string, files?: CertFiles): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(ca.read(trust), files ? ca.read(files.key) : null, files ? ca.read(files.cert) : null);
}

async function live(address: string, options: ConstructorParameters<typeof InferenceClient>[1]): Promise<boolean> {
  const probe = new InferenceClient(address, options);
  try {
    return await probe.serverLive();
  } finally {
    probe.close();
  }
}

beforeAll(async () => {
  ca = await createTestCa();
  otherCa = await createTestCa('another ca');
  repo = await exampleRepository();
  client = ca.issue('client');
  runner = await startRunnerInProcess(repo.dir, { tls: tls(ca.issue('runner')), metricsPort: 0 });
}, 60_000);

afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  await runner?.close();
  await repo?.remove();
  await ca?.remove();
  await otherCa?.remove();
});

async function tlsGateway(forwarding: 'http2' | 'grpc-js', publicTls?: TlsConfig): Promise<Gateway> {
  const mesh = tls(ca.issue(`gateway-${forwarding}`));
  const gateway = await startGatewayInProcess([runner.address], { forwarding, tls: mesh, publicTls: publicTls ?? mesh, httpPort: 0 });
  gateways.push(gateway);
  return gateway;
}

describe.each(['http2', 'grpc-js'] as const)('TLS with %s forwarding', (forwarding) => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await tlsGateway(forwarding);
  }, 60_000);

  it('serves a call through gateway and runner over mutual TLS', async () => {
    const caller = new InferenceClient(gateway.address, { credentials: credentials(ca.ca, client) });
    try {
      await waitFor(() => caller.modelReady('mlp'), 30_000, 'mlp to be routable over TLS');
      const result = await caller.infer('mlp', input, { id: 'tls-1' });
      expect(result.id).toBe('tls-1');
      expect(result.outputs.output!.shape).toEqual([1, 10]);
    } finally {
      caller.close();
    }
  });

  it('refuses a plaintext caller, and a TLS caller without a client certificate', async () => {
    await expect(live(gateway.address, {})).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(live(gateway.address, { credentials: credentials(ca.ca) })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    // A certificate from a CA the mesh does not trust is no better.
    await expect(live(gateway.address, { credentials: credentials(ca.ca, otherCa.issue('stranger')) })).rejects.toMatchObject({
      code: grpc.status.UNAVAILABLE,
    });
  });
});

describe('TLS on the runner and the status page', () => {
  it('refuses a runner caller without a mesh certificate', async () => {
    await expect(live(runner.address, { credentials: credentials(ca.ca) })).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    await expect(live(runner.address, { credentials: credentials(ca.ca, client) })).resolves.toBe(true);
  });

  it('serves the status page over HTTPS only to a caller with a certificate', async () => {
    const gateway = gateways[0]!;
    const get = (files?: CertFiles) =>
      new Promise<number>((resolve, reject) => {
        const [host, port] = gateway.httpAddress!.split(':');
        https
          .get({ host, port: Number(port), path: '/metrics', ca: ca.read(ca.ca), ...(files ? { cert: ca.read(files.cert), key: ca.read(files.key) } : {}) }, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          })
          .on('error', reject);
      });
    expect(await get(client)).toBe(200);
    await expect(get()).rejects.toThrow();
  });
});

describe.each(['http2', 'grpc-js'] as const)('reloading rewritten files (%s public port)', (forwarding) => {
  it('serves the new certificate once the files change, without a restart', async () => {
    const publicFiles = otherCa.issue(`public-${forwarding}`);
    const gateway = await tlsGateway(forwarding, tls(publicFiles, { clientAuth: 'none', ca: undefined }));
    const trustingCa = { credentials: credentials(ca.ca) };
    // Signed by another CA: a caller trusting only the mesh's CA refuses the server.
    await expect(live(gateway.address, trustingCa)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    const fresh = ca.issue(`public-${forwarding}-renewed`);
    copyFileSync(fresh.key, publicFiles.key);
    copyFileSync(fresh.cert, publicFiles.cert);
    await waitFor(() => live(gateway.address, trustingCa).catch(() => false), 30_000, 'the renewed certificate to be served');
    // No client certificate is asked for with clientAuth none.
    expect(await live(gateway.address, trustingCa)).toBe(true);
  });
});
