/**
 * Builds the `etcd3` client from the mesh's `etcd:` section: endpoints, TLS (CA, client
 * certificate), user and password (or password file), dial timeout and a deadline on every
 * unary call, so that a cluster that lost its quorum fails a call instead of hanging it, and
 * a short cap on the backoff of a broken watch. The
 * registry's etcd store and etcd discovery share it. `etcd3` (with its own copy of grpc-js,
 * about 10 MiB of a process's memory) is loaded only when a client is built: a service that
 * uses no etcd never loads it.
 */
import { ExponentialBackoff } from 'cockatiel';
import type { Etcd3, IOptions } from 'etcd3';
import type { EtcdConfig } from '../config/etcd-config.js';
import { readSecretFile, readTlsFile } from '../config/secret-files.js';

/** An etcd client with what it was built from, for messages and keys. */
export interface EtcdConnection {
  client: Etcd3;
  /** The section's key prefix (`/infermesh`): every key of the mesh lies under it. */
  prefix: string;
  /** `etcd http://10.0.0.1:2379,http://10.0.0.2:2379`: names the cluster in logs and errors. */
  description: string;
  /** Closes the client's connections (and its watches and leases). */
  close(): void;
}

type WatchBackoff = NonNullable<NonNullable<IOptions['faultHandling']>['watchBackoff']>;

/** Longest wait between two tries to re-establish a broken watch. */
const WATCH_RETRY_MAX_MS = 2_000;

/** The password of `config`: `password`, else the trimmed contents of `passwordFile`, else none. */
export async function etcdPassword(config: Pick<EtcdConfig, 'password' | 'passwordFile'>): Promise<string | undefined> {
  if (config.password !== undefined) return config.password;
  return config.passwordFile === undefined ? undefined : readSecretFile('etcd.passwordFile', config.passwordFile);
}

/** A client for the cluster `config` names; reads the password file and TLS files once. */
export async function createEtcdClient(config: EtcdConfig): Promise<EtcdConnection> {
  const options: IOptions = {
    hosts: config.endpoints,
    dialTimeout: config.dialTimeoutMs,
    // Streams (watches, keep-alives) live on; a unary call gets the call timeout.
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + config.callTimeoutMs }),
    // The client's default lets a broken watch wait up to 30 s between tries: a registry would
    // hear of changes that late after etcd came back.
    // etcd3 types the option as one backoff step but calls `next()` on it: it takes the factory, as its own default is.
    faultHandling: { watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: WATCH_RETRY_MAX_MS }) as unknown as WatchBackoff },
  };
  if (config.tls) {
    const ca = await readTlsFile('etcd.tls.ca', config.tls.ca);
    const cert = await readTlsFile('etcd.tls.cert', config.tls.cert);
    const key = await readTlsFile('etcd.tls.key', config.tls.key);
    // No CA: grpc-js trusts the system's roots (null).
    options.credentials = { rootCertificate: ca ?? (null as unknown as Buffer), ...(key ? { privateKey: key } : {}), ...(cert ? { certChain: cert } : {}) };
  }
  const password = await etcdPassword(config);
  if (config.username !== undefined && password !== undefined) options.auth = { username: config.username, password };
  const { Etcd3: Client } = await import('etcd3');
  const client = new Client(options);
  return { client, prefix: config.prefix, description: `etcd ${config.endpoints.join(',')}`, close: () => client.close() };
}
