import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './ConfigError.js';
import { readEnvironment } from './env.js';
import { resolveConfig } from './resolve-config.js';

const runners = [
  { name: 'a', device: 'cpu', port: 8101 },
  { name: 'b', device: 'cpu', port: 8102 },
];
const file = { dataDir: '/data/mesh', runners, gateway: { port: 9001 }, registry: { port: 9003 }, sink: { port: 9201 } };

describe('resolveConfig', () => {
  it('takes each value from the environment, else the file, else the default', () => {
    const env = readEnvironment({
      INFERMESH_DATA_DIR: '/data/env',
      INFERMESH_LOG_LEVEL: 'debug',
      INFERMESH_GATEWAY_PORT: '7001',
      INFERMESH_GATEWAY_RUNNERS: 'h:1, h:2',
      INFERMESH_REGISTRY_PORT: '7003',
      INFERMESH_REGISTRY_ADDRESS: 'registry:7003',
      INFERMESH_SINK_PORT: '7201',
      INFERMESH_SINK_ADDRESS: 'sink:7201',
      INFERMESH_RUNNER_NAME: 'b',
      INFERMESH_RUNNER_PORT: '7102',
      INFERMESH_RUNNER_DEVICE: 'cuda:1',
    });
    const config = resolveConfig(file, env);
    expect(config.mesh).toMatchObject({ dataDir: path.resolve('/data/env'), log: { level: 'debug' } });
    expect(config.gateway).toMatchObject({ port: 7001, runners: ['h:1', 'h:2'], registry: 'registry:7003', publisher: { address: 'sink:7201' } });
    expect(config.registry).toMatchObject({ config: { port: 7003 }, dataDir: path.resolve('/data/env') });
    expect(config.sink).toMatchObject({ port: 7201, dataDir: path.resolve('/data/env') });
    expect(config.runner()).toMatchObject({ name: 'b', port: 7102, device: 'cuda:1', registry: 'registry:7003' });
    // The runner overrides name one runner; the others keep the file's values.
    expect(config.runner('a')).toMatchObject({ port: 8101, device: 'cpu' });

    const fromFile = resolveConfig(file, {});
    expect(fromFile.gateway).toMatchObject({ port: 9001, runners: ['127.0.0.1:8101', '127.0.0.1:8102'] });
    expect(fromFile.gateway.registry).toBeUndefined();
    expect(fromFile.registry.config.port).toBe(9003);
    expect(fromFile.sink.port).toBe(9201);
    expect(fromFile.runner()).toMatchObject({ name: 'a', port: 8101 });

    const defaults = resolveConfig({ runners: [{ name: 'r', device: 'cpu' }] }, {}, { cwd: '/work' });
    expect(defaults.mesh.dataDir).toBe(path.resolve('/work/.infermesh'));
    expect(defaults.gateway).toMatchObject({ port: 8001, httpPort: 8002 });
    expect(defaults.registry.config.port).toBe(8003);
    expect(defaults.sink.port).toBe(8201);
    expect(defaults.runner()).toMatchObject({ port: 0, modelRepository: path.resolve('/work/.infermesh/models') });
    expect(defaults.runner()?.artifactCache).toEqual({ dir: path.resolve('/work/.infermesh/runner-r/artifact-cache'), maxBytes: 20 * 1024 ** 3 });
    const cached = resolveConfig({ runners: [{ name: 'r', device: 'cpu', artifactCache: { dir: 'cache', maxBytes: 1 << 30 } }] }, {}, { cwd: '/work' });
    expect(cached.runner()?.artifactCache).toEqual({ dir: path.resolve('/work/.infermesh/cache'), maxBytes: 1 << 30 });
    expect(() => resolveConfig({ runners: [{ name: 'r', device: 'cpu', artifactCache: { maxBytes: 10 } }] })).toThrowError(/runners\.0\.artifactCache\.maxBytes/);
  });

  it('applies each override once and leaves the raw config as it was', () => {
    const raw = structuredClone(file);
    const config = resolveConfig(raw, { gatewayPort: 0, sinkPort: 0, registryPort: 0 });
    expect(raw).toEqual(file);
    expect([config.gateway.port, config.sink.port, config.registry.config.port, config.mesh.gateway.port]).toEqual([0, 0, 0, 0]);
  });

  it('throws a ConfigError naming the variable of a bad environment port', () => {
    expect(() => readEnvironment({ INFERMESH_GATEWAY_PORT: 'http' })).toThrowError(ConfigError);
    expect(() => readEnvironment({ INFERMESH_SINK_PORT: '70000' })).toThrowError(
      "environment variable INFERMESH_SINK_PORT: expected a port number 0..65535, got '70000'",
    );
  });

  it('forwards at the HTTP/2 level unless the file or INFERMESH_GATEWAY_FORWARDING says grpc-js, and names a bad value', () => {
    expect(resolveConfig(file, {}).gateway.forwarding).toBe('http2');
    expect(resolveConfig({ ...file, gateway: { forwarding: 'grpc-js' } }, {}).gateway.forwarding).toBe('grpc-js');
    expect(resolveConfig(file, readEnvironment({ INFERMESH_GATEWAY_FORWARDING: 'grpc-js' })).gateway.forwarding).toBe('grpc-js');
    expect(() => readEnvironment({ INFERMESH_GATEWAY_FORWARDING: 'envoy' })).toThrowError(
      "environment variable INFERMESH_GATEWAY_FORWARDING: expected 'grpc-js' or 'http2', got 'envoy'",
    );
    expect(() => resolveConfig({ ...file, gateway: { forwarding: 'envoy' } }, {}, { source: 'mesh.yaml' })).toThrowError(/gateway\.forwarding/);
  });

  it('writes no access log unless gateway.accessLog or INFERMESH_GATEWAY_ACCESS_LOG turns it on, and names a bad value', () => {
    expect(resolveConfig(file, {}).gateway.accessLog).toBe(false);
    expect(resolveConfig({ ...file, gateway: { accessLog: true } }, {}).gateway.accessLog).toBe(true);
    expect(resolveConfig(file, readEnvironment({ INFERMESH_GATEWAY_ACCESS_LOG: 'TRUE' })).gateway.accessLog).toBe(true);
    expect(resolveConfig({ ...file, gateway: { accessLog: true } }, readEnvironment({ INFERMESH_GATEWAY_ACCESS_LOG: '0' })).gateway.accessLog).toBe(false);
    expect(() => readEnvironment({ INFERMESH_GATEWAY_ACCESS_LOG: 'yes' })).toThrowError(
      "environment variable INFERMESH_GATEWAY_ACCESS_LOG: expected 1, true, 0 or false, got 'yes'",
    );
  });

  it('pings runner sessions every 2 s unless gateway.runnerKeepaliveMs says otherwise, and refuses an interval under 100 ms', () => {
    expect(resolveConfig(file, {}).gateway.runnerKeepaliveMs).toBe(2_000);
    expect(resolveConfig({ ...file, gateway: { runnerKeepaliveMs: 500 } }, {}).gateway.runnerKeepaliveMs).toBe(500);
    expect(() => resolveConfig({ ...file, gateway: { runnerKeepaliveMs: 50 } }, {}, { source: 'mesh.yaml' })).toThrowError(/gateway\.runnerKeepaliveMs/);
  });

  it('passes no caller metadata to runners beyond the trace context unless gateway.passThroughHeaders names it', () => {
    expect(resolveConfig(file, {}).gateway.passThroughHeaders).toEqual([]);
    expect(resolveConfig({ ...file, gateway: { passThroughHeaders: ['x-tenant'] } }, {}).gateway.passThroughHeaders).toEqual(['x-tenant']);
    expect(() => resolveConfig({ ...file, gateway: { passThroughHeaders: ['X-Tenant'] } }, {}, { source: 'mesh.yaml' })).toThrowError(
      /gateway\.passThroughHeaders\.0: expected a lowercase metadata name/,
    );
  });

  it('types and validates the registry and sink sections, naming a bad key by its path', () => {
    const config = resolveConfig({ runners, registry: { leaseMs: 3_000 }, sink: { spool: { maxBytes: 2 ** 30 } } }, {});
    expect(config.registry.config).toMatchObject({ leaseMs: 3_000, rollbackPolicy: { enabled: true } });
    expect(config.sink.spool.maxBytes).toBe(2 ** 30);
    const bad = (section: Record<string, unknown>) => () => resolveConfig({ runners, ...section }, {}, { source: 'mesh.yaml' });
    expect(bad({ registry: { rollbackPolicy: { maxErrorRate: 2 } } })).toThrowError(ConfigError);
    expect(bad({ registry: { rollbackPolicy: { maxErrorRate: 2 } } })).toThrowError(/^config mesh\.yaml: registry\.rollbackPolicy\.maxErrorRate: /);
    expect(bad({ registry: { leaseMS: 5 } })).toThrowError(/^config mesh\.yaml: registry: .*leaseMS/);
    expect(bad({ sink: { spool: { segmentBytes: 10 } } })).toThrowError(/^config mesh\.yaml: sink\.spool\.segmentBytes: /);
    expect(bad({ sink: { destinations: [{ name: 'x', type: 'kafka' }] } })).toThrowError(
      "config mesh.yaml: sink.destinations.0.type: expected type 'jsonl', 'http', 'postgres', 'redis' or 'nats'",
    );
  });
});
