/**
 * Builds the `consul` npm client from the mesh's `consul:` section: address, ACL token (or
 * token file), datacenter, and TLS (CA, client certificate) for an https address. The
 * registry's Consul store and Consul discovery share it.
 */
import { readFile } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import Consul from 'consul';
import type { ConsulConfig } from '../config/consul-config.js';

/** A Consul client with what it was built from, for messages. */
export interface ConsulConnection {
  client: Consul;
  /** `consul http://127.0.0.1:8500 (dc1)`: names the agent in logs and errors. */
  description: string;
  /** Closes the client's kept-alive connections. */
  close(): void;
}

/** Largest token file read. */
const MAX_TOKEN_FILE_BYTES = 64 * 1024;

/** The ACL token of `config`: `token`, else the trimmed contents of `tokenFile`, else none. */
export async function consulToken(config: Pick<ConsulConfig, 'token' | 'tokenFile'>): Promise<string | undefined> {
  if (config.token !== undefined) return config.token;
  if (config.tokenFile === undefined) return undefined;
  const text = await readFile(config.tokenFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new Error(`consul.tokenFile ${config.tokenFile}: ${error.code ?? error.message}`);
  });
  if (text.length > MAX_TOKEN_FILE_BYTES) throw new Error(`consul.tokenFile ${config.tokenFile}: over ${MAX_TOKEN_FILE_BYTES} bytes`);
  const token = text.trim();
  if (token === '') throw new Error(`consul.tokenFile ${config.tokenFile} is empty`);
  return token;
}

/** Reads a TLS file of `consul.tls`, naming the key when it cannot. */
async function tlsFile(key: string, file: string | undefined): Promise<Buffer | undefined> {
  if (file === undefined) return undefined;
  return readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`consul.tls.${key} ${file}: ${error.code ?? error.message}`);
  });
}

/** A client for the agent `config` names; reads the token file and TLS files once. */
export async function createConsulClient(config: ConsulConfig): Promise<ConsulConnection> {
  const url = new URL(config.address);
  const secure = url.protocol === 'https:';
  const token = await consulToken(config);
  const agent = secure
    ? new HttpsAgent({
        keepAlive: true,
        ...optional('ca', await tlsFile('ca', config.tls?.ca)),
        ...optional('cert', await tlsFile('cert', config.tls?.cert)),
        ...optional('key', await tlsFile('key', config.tls?.key)),
      })
    : new HttpAgent({ keepAlive: true });
  const client = new Consul({
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    secure,
    agent,
    defaults: { ...optional('token', token), ...optional('dc', config.datacenter) },
  });
  const description = `consul ${config.address}${config.datacenter ? ` (${config.datacenter})` : ''}`;
  return { client, description, close: () => client.destroy() };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
