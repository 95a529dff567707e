import { describe, expect, it } from 'vitest';
import { ConfigError } from './ConfigError.js';
import { parseRegistryConfig, registryClientAddress } from './registry-config.js';

describe('registry config', () => {
  it('fills every default when the section is absent', () => {
    const config = parseRegistryConfig(undefined);
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8003, leaseMs: 6_000, unloadDelayMs: 10_000, defaultReplicas: 0, store: { type: 'file' } });
    expect(config.rollbackPolicy).toEqual({ enabled: true, maxErrorRate: 0.05, maxP99Ratio: 3, minRequests: 100, windowMs: 60_000 });
  });

  it('names the key at fault as registry.<key>, with the file', () => {
    expect(() => parseRegistryConfig({ port: 70_000, rollbackPolicy: { maxErrorRate: 2 } }, 'deploy/x.yaml')).toThrowError(ConfigError);
    expect(() => parseRegistryConfig({ port: 70_000, rollbackPolicy: { maxErrorRate: 2 } }, 'deploy/x.yaml')).toThrowError(
      /^config deploy\/x\.yaml: registry\.port: .*; registry\.rollbackPolicy\.maxErrorRate: /,
    );
    expect(() => parseRegistryConfig({ store: { type: 'etcd' } })).toThrowError(/registry\.store\.type: /);
    expect(() => parseRegistryConfig({ leaseMS: 5 })).toThrowError(/registry: .*leaseMS/);
  });

  it('gives clients a reachable address for a wildcard host', () => {
    expect(registryClientAddress({ host: '0.0.0.0', port: 8003 })).toBe('127.0.0.1:8003');
    expect(registryClientAddress({ host: 'registry.internal', port: 9000 })).toBe('registry.internal:9000');
  });
});
