/** Builds etcd stores on a test cluster's endpoints, each under a key prefix of its own. */
import { createEtcdClient, etcdSchema, silentLogger, type EtcdConfig, type Logger } from '@infermesh/common';
import { EtcdRegistryStore } from './EtcdRegistryStore.js';

/** The mesh's `etcd:` section for `endpoints` and `prefix`, with short timeouts for tests. */
export function etcdConfigOf(endpoints: string[], prefix: string): EtcdConfig {
  return etcdSchema.parse({ endpoints, prefix, dialTimeoutMs: 1_000, callTimeoutMs: 3_000 });
}

/** An etcd store reached through `endpoints` (a subset of the cluster's, to cut one store off), its state under `<prefix>/registry`. */
export function etcdStoreOn(endpoints: string[], prefix: string, options: { leaseTtlSeconds?: number; logger?: Logger } = {}): EtcdRegistryStore {
  const config = etcdConfigOf(endpoints, prefix);
  return new EtcdRegistryStore(() => createEtcdClient(config), { prefix: `${prefix}/registry`, leaseTtlSeconds: options.leaseTtlSeconds ?? 2 }, endpoints.join(','), options.logger ?? silentLogger());
}
