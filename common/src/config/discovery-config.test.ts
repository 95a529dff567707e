import { describe, expect, it } from 'vitest';
import { ConfigError } from './ConfigError.js';
import { readEnvironment } from './env.js';
import { resolveConfig } from './resolve-config.js';

const runners = [
  { name: 'cpu', device: 'cpu', port: 8101 },
  { name: 'gpu', device: 'cuda:0', port: 8102 },
];
const withRegistry = readEnvironment({ INFERMESH_REGISTRY_ADDRESS: 'registry:7003' });

/** Every service of `config` finds the others through `scheme`'s resolver, and carries `discovery` of that type. */
function expectFoundThrough(config: ReturnType<typeof resolveConfig>, scheme: string): void {
  expect(config.gateway.registry).toBe(`${scheme}:///infermesh-registry`);
  expect(config.gateway.publisher?.address).toBe(`${scheme}:///infermesh-sink`);
  expect(config.runner()?.registry).toBe(`${scheme}:///infermesh-registry`);
  expect(config.sink.gateway).toBe(`${scheme}:///infermesh-gateway`);
  for (const settings of [config.gateway, config.registry, config.sink, config.runner()]) expect(settings?.discovery?.config.type).toBe(scheme);
}

describe('discovery config', () => {
  it('defaults to the registry: routes from INFERMESH_REGISTRY_ADDRESS when set, else the static list', () => {
    const config = resolveConfig({ runners }, withRegistry);
    expect(config.mesh.discovery).toEqual({ type: 'registry' });
    expect(config.gateway.registry).toBe('registry:7003');
    expect(config.runner()?.registry).toBe('registry:7003');
    expect(resolveConfig({ runners }, {}).gateway.registry).toBeUndefined();
  });

  it('routes statically with `static`, even when INFERMESH_REGISTRY_ADDRESS is set', () => {
    const config = resolveConfig({ runners, discovery: { type: 'static' } }, withRegistry);
    expect(config.gateway.registry).toBeUndefined();
    expect(config.gateway.runners).toEqual(['127.0.0.1:8101', '127.0.0.1:8102']);
    expect(config.runner()?.registry).toBeUndefined();
  });

  it('finds the registry, sink and gateway through Consul with `consul`, with every default filled', () => {
    const config = resolveConfig({ runners, sink: {}, discovery: { type: 'consul' } }, {});
    expect(config.mesh.discovery).toEqual({
      type: 'consul',
      services: { registry: 'infermesh-registry', runner: 'infermesh-runner', gateway: 'infermesh-gateway', sink: 'infermesh-sink' },
      checkIntervalMs: 2_000,
      checkTimeoutMs: 1_000,
      deregisterCriticalAfterMs: 600_000,
      blockingWaitMs: 30_000,
      backoffInitialMs: 200,
      backoffMaxMs: 10_000,
      panicThreshold: 0.5,
      tags: [],
    });
    expectFoundThrough(config, 'consul');
    // An address given explicitly still wins.
    const pinned = resolveConfig({ runners, sink: {}, discovery: { type: 'consul', services: { sink: 'records' } } }, readEnvironment({ INFERMESH_REGISTRY_ADDRESS: 'r:1' }));
    expect(pinned.gateway.registry).toBe('r:1');
    expect(pinned.gateway.publisher?.address).toBe('consul:///records');
  });

  it('finds the registry, sink and gateway through etcd with `etcd`, with the etcd section carried to every service', () => {
    const config = resolveConfig({ runners, sink: {}, discovery: { type: 'etcd' }, etcd: { endpoints: ['http://10.0.0.1:2379'], prefix: '/mesh' } }, {});
    expect(config.mesh.discovery).toEqual({
      type: 'etcd',
      services: { registry: 'infermesh-registry', runner: 'infermesh-runner', gateway: 'infermesh-gateway', sink: 'infermesh-sink' },
      leaseTtlSeconds: 10,
      backoffInitialMs: 200,
      backoffMaxMs: 5_000,
      panicThreshold: 0.5,
      tags: [],
    });
    expectFoundThrough(config, 'etcd');
    for (const settings of [config.gateway, config.registry, config.sink, config.runner()]) expect(settings?.discovery?.etcd).toMatchObject({ endpoints: ['http://10.0.0.1:2379'], prefix: '/mesh' });
    expect(() => resolveConfig({ runners, discovery: { type: 'etcd', leaseTtlSeconds: 0 } })).toThrowError(/discovery\.leaseTtlSeconds/);
    expect(() => resolveConfig({ runners, discovery: { type: 'etcd', backoffInitialMs: 2_000, backoffMaxMs: 1_000 } })).toThrowError(/discovery\.backoffInitialMs/);
    expect(() => resolveConfig({ runners, discovery: { type: 'etcd', checkIntervalMs: 1_000 } })).toThrowError(/discovery/);
  });

  it('names a runner after INFERMESH_INSTANCE_NAME and carries INFERMESH_ADVERTISE_HOST to every service', () => {
    const env = readEnvironment({ INFERMESH_RUNNER_NAME: 'gpu', INFERMESH_INSTANCE_NAME: 'runner-gpu-7d9f8-x2k4p', INFERMESH_ADVERTISE_HOST: '10.1.2.3' });
    const config = resolveConfig({ runners, discovery: { type: 'consul' } }, env);
    expect(config.runner()).toMatchObject({ name: 'runner-gpu-7d9f8-x2k4p', device: 'cuda:0', port: 8102 });
    expect(config.runner()?.discovery).toMatchObject({ advertiseHost: '10.1.2.3', instanceName: 'runner-gpu-7d9f8-x2k4p' });
    expect(config.gateway.discovery?.advertiseHost).toBe('10.1.2.3');
    expect(config.registry.discovery?.advertiseHost).toBe('10.1.2.3');
  });

  it('refuses bad keys and variables with a message naming them', () => {
    expect(() => resolveConfig({ runners, discovery: { type: 'zookeeper' } })).toThrowError(/discovery\.type/);
    expect(() => resolveConfig({ runners, discovery: { type: 'consul', services: { runner: 'Runner_1' } } })).toThrowError(/discovery\.services\.runner/);
    expect(() => resolveConfig({ runners, discovery: { type: 'consul', deregisterCriticalAfterMs: 1_000 } })).toThrowError(/discovery\.deregisterCriticalAfterMs/);
    expect(() => resolveConfig({ runners, discovery: { type: 'consul', checkIntervalMs: 500, checkTimeoutMs: 1_000 } })).toThrowError(/discovery\.checkTimeoutMs/);
    expect(() => resolveConfig({ runners, discovery: { type: 'registry', services: {} } })).toThrowError(ConfigError);
    expect(() => readEnvironment({ INFERMESH_INSTANCE_NAME: 'Runner_One' })).toThrowError(/INFERMESH_INSTANCE_NAME/);
    expect(() => readEnvironment({ INFERMESH_ADVERTISE_HOST: '10.0.0.1:8101' })).toThrowError(/INFERMESH_ADVERTISE_HOST/);
    expect(readEnvironment({ INFERMESH_ADVERTISE_HOST: 'fd00::1' }).advertiseHost).toBe('fd00::1');
  });
});
