/**
 * Builds the `consul` npm client from the mesh's `consul:` section: address, ACL token (or
 * token file), datacenter, and TLS (CA, client certificate) for an https address. The
 * registry's Consul store and Consul discovery share it. `consul` is loaded only when a client
 * is built: a service that uses no Consul never loads it.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type Consul from 'consul';
import type { ConsulConfig } from '../config/consul-config.js';
import { readSecretFile, readTlsFile } from '../config/secret-files.js';

/** A Consul client with what it was built from, for messages. */
export interface ConsulConnection {
  client: Consul;
  /** `consul http://127.0.0.1:8500 (dc1)`: names the agent in logs and errors. */
  description: string;
  /** Closes the client's kept-alive connections. */
  close(): void;
}

/** The ACL token of `config`: `token`, else the trimmed contents of `tokenFile`, else none. */
export async function consulToken(config: Pick<ConsulConfig, 'token' | 'tokenFile'>): Promise<string | undefined> {
  if (config.token !== undefined) return config.token;
  return config.tokenFile === undefined ? undefined : readSecretFile('consul.tokenFile', config.tokenFile);
}

/** A client for the agent `config` names; reads the token file and TLS files once. */
export async function createConsulClient(config: ConsulConfig): Promise<ConsulConnection> {
  const url = new URL(config.address);
  const secure = url.protocol === 'https:';
  const token = await consulToken(config);
  const agent = secure
    ? new HttpsAgent({
        keepAlive: true,
        ...optional('ca', await readTlsFile('consul.tls.ca', config.tls?.ca)),
        ...optional('cert', await readTlsFile('consul.tls.cert', config.tls?.cert)),
        ...optional('key', await readTlsFile('consul.tls.key', config.tls?.key)),
      })
    : new HttpAgent({ keepAlive: true });
  const { default: Client } = await import('consul');
  const client = new Client({
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
