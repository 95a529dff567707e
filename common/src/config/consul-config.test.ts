import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { consulToken } from '../consul/consul-client.js';
import { readEnvironment } from './env.js';
import { resolveConfig } from './resolve-config.js';

const file = { runners: [{ name: 'a', device: 'cpu', port: 8101 }] };

describe('consul config', () => {
  it('is absent unless the file or CONSUL_HTTP_ADDR sets it, and fills the agent default address', () => {
    expect(resolveConfig(file).consul).toBeUndefined();
    expect(resolveConfig({ ...file, consul: {} }).consul).toEqual({ address: 'http://127.0.0.1:8500' });
    expect(resolveConfig({ ...file, consul: {} }).registry.consul).toEqual({ address: 'http://127.0.0.1:8500' });
  });

  it('takes CONSUL_HTTP_ADDR and CONSUL_HTTP_TOKEN over the file, the token replacing a token file', () => {
    const env = readEnvironment({ CONSUL_HTTP_ADDR: 'consul.service:8501', CONSUL_HTTP_TOKEN: ' secret ' });
    const config = resolveConfig({ ...file, consul: { address: 'https://elsewhere:8501', tokenFile: 'token', datacenter: 'eu-1' } }, env);
    expect(config.consul).toEqual({ address: 'http://consul.service:8501', token: 'secret', datacenter: 'eu-1' });
  });

  it('makes file paths absolute and refuses what Consul could not take, naming the key', () => {
    const config = resolveConfig({ ...file, consul: { address: 'https://consul:8501/', tokenFile: 'consul.token', tls: { ca: 'ca.pem', cert: 'c.pem', key: 'k.pem' } } }, {}, { cwd: '/etc/infermesh' });
    expect(config.consul).toEqual({
      address: 'https://consul:8501',
      tokenFile: '/etc/infermesh/consul.token',
      tls: { ca: '/etc/infermesh/ca.pem', cert: '/etc/infermesh/c.pem', key: '/etc/infermesh/k.pem' },
    });
    expect(() => resolveConfig({ ...file, consul: { address: 'ftp://consul' } })).toThrowError(/consul\.address: must be an http\(s\) address/);
    expect(() => resolveConfig({ ...file, consul: { address: 'http://consul:8500/v1' } })).toThrowError(/consul\.address: /);
    expect(() => resolveConfig({ ...file, consul: { token: 'a', tokenFile: 'b' } })).toThrowError(/consul\.tokenFile: give token or tokenFile, not both/);
    expect(() => resolveConfig({ ...file, consul: { tls: { cert: 'c.pem' } } })).toThrowError(/consul\.tls\.cert: cert and key go together/);
    expect(() => resolveConfig({ ...file, consul: { adress: 'x' } })).toThrowError(/consul: .*adress/);
    expect(() => resolveConfig({ ...file, consul: { datacenter: 'eu 1' } })).toThrowError(/consul\.datacenter: /);
  });

  it('reads a token file once, trimmed, and names it when it is missing or empty', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'infermesh-consul-token-'));
    try {
      await writeFile(path.join(dir, 'token'), 'abc-123\n');
      expect(await consulToken({ tokenFile: path.join(dir, 'token') })).toBe('abc-123');
      await writeFile(path.join(dir, 'empty'), '\n');
      await expect(consulToken({ tokenFile: path.join(dir, 'empty') })).rejects.toThrowError(`consul.tokenFile ${path.join(dir, 'empty')} is empty`);
      await expect(consulToken({ tokenFile: path.join(dir, 'missing') })).rejects.toThrowError(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
