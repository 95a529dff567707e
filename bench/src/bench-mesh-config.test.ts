import { describe, expect, it } from 'vitest';
import { resolveConfig } from '@infermesh/common';
import { BENCH_RUNNER, benchMeshConfig } from './bench-mesh-config.js';

describe('benchMeshConfig', () => {
  const dataDir = '/tmp/infermesh-bench-config-test';
  const config = resolveConfig(benchMeshConfig(dataDir), {});

  it('is the default mesh with one CPU runner, onnxruntime choosing its threads', () => {
    expect(config.mesh.runners).toHaveLength(1);
    expect(config.runner(BENCH_RUNNER)).toMatchObject({ device: 'cpu', port: 0, metricsPort: 0, intraOpThreads: 0, modelRepository: `${dataDir}/runner-repository` });
  });

  it('takes only free ports, the status page and metrics still served', () => {
    expect(config.gateway).toMatchObject({ port: 0, httpPort: 0 });
    expect(config.mesh.registry.port).toBe(0);
    expect(config.mesh.sink).toMatchObject({ port: 0, metricsPort: 0 });
  });

  it('keeps the sink of npm start: its headers published, records to jsonl in the data folder', () => {
    expect(config.mesh.sink.publisher.headers).toEqual(['x-request-id', 'x-tenant', 'x-user']);
    expect(config.sink.destinations).toEqual([expect.objectContaining({ type: 'jsonl', dir: `${dataDir}/predictions` })]);
  });
});
