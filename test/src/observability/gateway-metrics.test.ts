/** The gateway's /metrics after known traffic: counts per version and status, and runner health. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type InferenceClient } from '@infermesh/client';
import type { Gateway } from '@infermesh/gateway';
import type { Runner } from '@infermesh/runners';
import { lintExposition, metricValue, scrape } from '@infermesh/testkit';
import { startInProcessMesh, type InProcessMesh } from '../harness/index.js';

let mesh: InProcessMesh | undefined;
let runner: Runner;
let gateway: Gateway;
let client: InferenceClient;

beforeAll(async () => {
  mesh = await startInProcessMesh({ readyModel: 'mlp', gateway: { httpPort: 0 } });
  ({ runner, gateway, client } = mesh);
}, 60_000);

afterAll(() => mesh?.close());

describe('gateway metrics', () => {
  it('count calls per model, version and status; unrouted calls apart; runners up', async () => {
    const good = { input: { datatype: 'FP32' as const, shape: [1, 64], data: new Float32Array(64) } };
    const bad = { input: { datatype: 'FP32' as const, shape: [1, 63], data: new Float32Array(63) } };
    for (let i = 0; i < 7; i++) await client.infer('mlp', good, { version: '1' });
    for (let i = 0; i < 3; i++) await client.infer('mlp', bad, { version: '1' }).catch(() => undefined);
    for (let i = 0; i < 4; i++) await client.infer('mlp', good);
    for (let i = 0; i < 2; i++) await client.infer('nope', {}).catch(() => undefined);
    const text = await scrape(gateway.httpAddress!);
    const series = (name: string, labels: Record<string, string> = {}) => metricValue(text, name, { service: 'gateway', ...labels });
    expect(series('infermesh_gateway_requests_total', { model: 'mlp', version: '1', code: 'OK' })).toBe(7);
    expect(series('infermesh_gateway_requests_total', { model: 'mlp', version: '1', code: 'INVALID_ARGUMENT' })).toBe(3);
    expect(series('infermesh_gateway_requests_total', { model: 'mlp', version: '2', code: 'OK' })).toBe(4);
    expect(series('infermesh_gateway_request_duration_seconds_count', { model: 'mlp', version: '1' })).toBe(10);
    expect(series('infermesh_gateway_unrouted_requests_total', { code: 'NOT_FOUND' })).toBe(2);
    expect(text).not.toContain('model="nope"');
    // `runner` is the runner's name, as on its own /metrics; `address` where the gateway calls it.
    expect(series('infermesh_gateway_runner_up', { runner: 'cpu-0', address: runner.address, device: 'cpu' })).toBe(1);
    expect(series('infermesh_gateway_runner_outstanding', { runner: 'cpu-0', address: runner.address })).toBe(0);
    expect(series('infermesh_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(lintExposition(text)).toEqual([]);
  });
});
