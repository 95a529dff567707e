import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { etcdPassword } from '../etcd/etcd-client.js';
import { readEnvironment } from './env.js';
import { parseRegistryConfig } from './registry-config.js';
import { resolveConfig } from './resolve-config.js';

const file = { runners: [{ name: 'a', device: 'cpu', port: 8101 }] };
const defaults = { endpoints: ['http://127.0.0.1:2379'], prefix: '/infermesh', dialTimeoutMs: 5_000, callTimeoutMs: 10_000 };

describe('etcd config', () => {
  it('is absent unless the file or ETCD_ENDPOINTS sets it, and fills the defaults', () => {
    expect(resolveConfig(file).etcd).toBeUndefined();
    expect(resolveConfig({ ...file, etcd: {} }).etcd).toEqual(defaults);
    expect(resolveConfig({ ...file, etcd: {} }).registry.etcd).toEqual(defaults);
    expect(resolveConfig({ ...file, etcd: {} }).gateway.discovery?.etcd).toEqual(defaults);
  });

  it('takes ETCD_ENDPOINTS over the file', () => {
    const env = readEnvironment({ ETCD_ENDPOINTS: ' etcd-0:2379, http://etcd-1:2379 ,' });
    expect(env.etcdEndpoints).toEqual(['etcd-0:2379', 'http://etcd-1:2379']);
    const config = resolveConfig({ ...file, etcd: { endpoints: ['http://elsewhere:2379'], prefix: '/mesh/a' } }, env);
    expect(config.etcd).toEqual({ ...defaults, endpoints: ['http://etcd-0:2379', 'http://etcd-1:2379'], prefix: '/mesh/a' });
    expect(resolveConfig(file, env).etcd?.endpoints).toEqual(['http://etcd-0:2379', 'http://etcd-1:2379']);
  });

  it('makes file paths absolute and refuses what etcd could not take, naming the key', () => {
    const config = resolveConfig(
      { ...file, etcd: { endpoints: ['https://etcd:2379/'], username: 'mesh', passwordFile: 'etcd.password', tls: { ca: 'ca.pem', cert: 'c.pem', key: 'k.pem' } } },
      {},
      { cwd: '/etc/infermesh' },
    );
    expect(config.etcd).toEqual({
      ...defaults,
      endpoints: ['https://etcd:2379'],
      username: 'mesh',
      passwordFile: '/etc/infermesh/etcd.password',
      tls: { ca: '/etc/infermesh/ca.pem', cert: '/etc/infermesh/c.pem', key: '/etc/infermesh/k.pem' },
    });
    const refused = (etcd: unknown) => () => resolveConfig({ ...file, etcd });
    expect(refused({ endpoints: ['ftp://etcd'] })).toThrowError(/etcd\.endpoints\.0: must be an http\(s\) address/);
    expect(refused({ endpoints: [] })).toThrowError(/etcd\.endpoints: /);
    expect(refused({ endpoints: ['http://a:2379', 'https://b:2379'] })).toThrowError(/etcd\.endpoints: every endpoint must have the same scheme/);
    expect(refused({ tls: { ca: 'ca.pem' } })).toThrowError(/etcd\.endpoints: with tls, every endpoint must be https:\/\//);
    expect(refused({ endpoints: ['https://a:2379'], tls: { cert: 'c.pem' } })).toThrowError(/etcd\.tls\.cert: cert and key go together/);
    expect(refused({ prefix: 'infermesh' })).toThrowError(/etcd\.prefix: must be a key prefix/);
    expect(refused({ prefix: '/infermesh/' })).toThrowError(/etcd\.prefix: /);
    expect(refused({ username: 'mesh' })).toThrowError(/etcd\.username: username goes with password or passwordFile/);
    expect(refused({ password: 'secret' })).toThrowError(/etcd\.username: /);
    expect(refused({ username: 'mesh', password: 'a', passwordFile: 'b' })).toThrowError(/etcd\.passwordFile: give password or passwordFile, not both/);
    expect(refused({ dialTimeoutMs: 0 })).toThrowError(/etcd\.dialTimeoutMs: /);
    expect(refused({ endpoint: 'x' })).toThrowError(/etcd: .*endpoint/);
  });

  it('selects the etcd registry store with its lease TTL', () => {
    expect(parseRegistryConfig({ store: { type: 'etcd' } }).store).toEqual({ type: 'etcd', leaseTtlSeconds: 15 });
    expect(() => parseRegistryConfig({ store: { type: 'etcd', leaseTtlSeconds: 0 } })).toThrowError(/registry\.store\.leaseTtlSeconds: /);
    expect(() => parseRegistryConfig({ store: { type: 'etcd', prefix: '/x' } })).toThrowError(/registry\.store: .*prefix/);
  });

  it('reads a password file once, trimmed, and names it when it is missing or empty', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'infermesh-etcd-password-'));
    try {
      await writeFile(path.join(dir, 'password'), 's3cret\n');
      expect(await etcdPassword({ passwordFile: path.join(dir, 'password') })).toBe('s3cret');
      expect(await etcdPassword({ password: 'inline' })).toBe('inline');
      await writeFile(path.join(dir, 'empty'), '\n');
      await expect(etcdPassword({ passwordFile: path.join(dir, 'empty') })).rejects.toThrowError(`etcd.passwordFile ${path.join(dir, 'empty')} is empty`);
      await expect(etcdPassword({ passwordFile: path.join(dir, 'missing') })).rejects.toThrowError(/etcd\.passwordFile .*ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
