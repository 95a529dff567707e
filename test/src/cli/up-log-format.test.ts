/**
 * `infermesh up --log-format json --access-log`: every stdout line is a JSON record (the
 * services' pino lines passed through, `up`'s own lines as records of service `infermesh`),
 * the ready record names the addresses, and the gateway writes one access line per call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceClient } from '@infermesh/client';
import { waitFor } from '@infermesh/testkit';
import { startLocalMesh, type LocalMesh } from '../faults/local-mesh.js';

let mesh: LocalMesh | undefined;

beforeAll(async () => {
  mesh = await startLocalMesh({}, ['--log-format', 'json', '--access-log']);
}, 320_000);

afterAll(async () => {
  await mesh?.stop();
});

describe('infermesh up --log-format json', () => {
  it('keeps every line JSON and logs one access line per call', async () => {
    const client = new InferenceClient(mesh!.gateway);
    try {
      await client.infer('mlp', { input: { datatype: 'FP32', shape: [1, 64], data: new Float32Array(64) } }, { id: 'up-json-1' });
    } finally {
      client.close();
    }
    const records = () => mesh!.output.map((line) => JSON.parse(line) as Record<string, unknown>);
    await waitFor(async () => records().some((r) => r.log === 'access'), 30_000, 'the access line');
    const all = records();
    const services = new Set(all.map((r) => r.service));
    for (const service of ['infermesh', 'registry', 'gateway', 'sink']) expect(services.has(service), service).toBe(true);
    const ready = all.find((r) => typeof r.msg === 'string' && r.msg.startsWith('infermesh ready'));
    expect(ready).toMatchObject({ service: 'infermesh', level: 30, gateway: mesh!.gateway, runners: [{ name: 'cpu-0', address: mesh!.runners[0] }, { name: 'cpu-1', address: mesh!.runners[1] }] });
    const access = all.filter((r) => r.log === 'access');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ service: 'gateway', model: 'mlp', version: '1', code: 'OK', request_id: 'up-json-1' });
    expect(['cpu-0', 'cpu-1']).toContain(access[0]!.runner);
  });
});
