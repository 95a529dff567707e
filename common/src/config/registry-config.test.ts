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
    expect(() => parseRegistryConfig({ store: { type: 'zookeeper' } })).toThrowError(/registry\.store\.type: /);
    expect(() => parseRegistryConfig({ leaseMS: 5 })).toThrowError(/registry: .*leaseMS/);
  });

  it('downloads nothing and leaves allowedDirs to the registry by default, and refuses malformed sources', () => {
    expect(parseRegistryConfig(undefined).artifacts).toEqual({ allowedUrlPrefixes: [], allowHttp: false, allowedNetworks: [], maxRedirects: 5, store: { type: 'local' } });
    expect(parseRegistryConfig({ artifacts: { allowedNetworks: ['10.1.0.0/16', 'fd00::/8'], allowedUrlPrefixes: ['https://models.example.com/onnx/'] } }).artifacts).toMatchObject({
      allowedNetworks: ['10.1.0.0/16', 'fd00::/8'],
    });
    expect(() => parseRegistryConfig({ artifacts: { allowedNetworks: ['10.0.0.0/33'] } })).toThrowError(/registry\.artifacts\.allowedNetworks\.0: must be an address range/);
    expect(() => parseRegistryConfig({ artifacts: { allowedNetworks: ['localhost'] } })).toThrowError(/registry\.artifacts\.allowedNetworks\.0: /);
    expect(() => parseRegistryConfig({ artifacts: { allowedUrlPrefixes: ['file:///etc/'] } })).toThrowError(/registry\.artifacts\.allowedUrlPrefixes\.0: must be an absolute http\(s\) URL/);
    expect(() => parseRegistryConfig({ artifacts: { allowedUrlPrefixes: ['https://u:p@h/'] } })).toThrowError(/allowedUrlPrefixes\.0: /);
  });

  it('keeps artifacts in the data folder by default, or in an S3-compatible bucket, refusing what S3 would not take', () => {
    expect(parseRegistryConfig({ artifacts: { store: { type: 'local' } } }).artifacts.store).toEqual({ type: 'local' });
    expect(parseRegistryConfig({ artifacts: { store: { type: 's3', bucket: 'models' } } }).artifacts.store).toEqual({ type: 's3', bucket: 'models', prefix: '', forcePathStyle: false });
    const minio = { type: 's3', bucket: 'infermesh.models', prefix: 'prod/artifacts/', endpoint: 'http://minio:9000', region: 'eu-west-1', forcePathStyle: true };
    expect(parseRegistryConfig({ artifacts: { store: minio } }).artifacts.store).toEqual(minio);
    expect(() => parseRegistryConfig({ artifacts: { store: { type: 's3' } } })).toThrowError(/registry\.artifacts\.store\.bucket: /);
    expect(() => parseRegistryConfig({ artifacts: { store: { type: 's3', bucket: 'Bad_Bucket' } } })).toThrowError(/registry\.artifacts\.store\.bucket: expected an S3 bucket name/);
    expect(() => parseRegistryConfig({ artifacts: { store: { type: 's3', bucket: 'models', endpoint: 'http://key:secret@minio:9000' } } })).toThrowError(
      /registry\.artifacts\.store\.endpoint: must be an absolute http\(s\) URL without credentials/,
    );
    expect(() => parseRegistryConfig({ artifacts: { store: { type: 's3', bucket: 'models', accessKey: 'x' } } })).toThrowError(/registry\.artifacts\.store: .*accessKey/);
    expect(() => parseRegistryConfig({ artifacts: { store: { type: 'gcs' } } })).toThrowError(/registry\.artifacts\.store\.type: /);
  });

  it('gives clients a reachable address for a wildcard host', () => {
    expect(registryClientAddress({ host: '0.0.0.0', port: 8003 })).toBe('127.0.0.1:8003');
    expect(registryClientAddress({ host: 'registry.internal', port: 9000 })).toBe('registry.internal:9000');
  });

  it('takes a consul store with its defaults, and refuses a bad prefix or unknown key', () => {
    expect(parseRegistryConfig({ store: { type: 'consul' } }).store).toEqual({ type: 'consul', prefix: 'infermesh/registry', sessionTtlSeconds: 15 });
    expect(parseRegistryConfig({ store: { type: 'consul', prefix: 'a/b.c', sessionTtlSeconds: 2 } }).store).toEqual({ type: 'consul', prefix: 'a/b.c', sessionTtlSeconds: 2 });
    expect(() => parseRegistryConfig({ store: { type: 'consul', prefix: '/lead' } })).toThrowError(/registry\.store\.prefix: must be a KV prefix/);
    expect(() => parseRegistryConfig({ store: { type: 'consul', prefix: 'trail/' } })).toThrowError(/registry\.store\.prefix: /);
    expect(() => parseRegistryConfig({ store: { type: 'consul', sessionTtlSeconds: 0 } })).toThrowError(/registry\.store\.sessionTtlSeconds: /);
    expect(() => parseRegistryConfig({ store: { type: 'file', prefix: 'x' } })).toThrowError(/registry\.store: .*prefix/);
  });
});
