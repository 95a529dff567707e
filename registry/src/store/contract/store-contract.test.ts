/**
 * The store contract (store-contract.test-helper.ts) run against every backend: the file
 * store (one registry), the etcd store on a real three-member cluster, and the Consul store
 * on the Consul stand-in (or the real agent CONSUL_HTTP_ADDR names).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createConsulClient, silentLogger } from '@infermesh/common';
import { EtcdCluster, etcdAvailable, startConsulTarget } from '@infermesh/testkit';
import { ConsulRegistryStore } from '../consul/ConsulRegistryStore.js';
import { etcdStoreOn } from '../etcd/etcd-store.test-helper.js';
import { FileRegistryStore } from '../FileRegistryStore.js';
import { describeStoreContract } from './store-contract.test-helper.js';

describeStoreContract(
  'file',
  async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'infermesh-store-contract-'));
    return {
      space: () => {
        const dir = path.join(root, randomUUID());
        return { store: () => new FileRegistryStore(dir) };
      },
      close: () => rm(root, { recursive: true, force: true }),
    };
  },
  { replicas: 'one' },
);

describeStoreContract(
  'etcd (a real three-member cluster)',
  async () => {
    const cluster = await EtcdCluster.start({ members: 3 });
    const [cut, ...others] = cluster.members;
    const reachable = others.map((member) => member.clientUrl);
    return {
      space: () => {
        const prefix = `/contract/${randomUUID()}`;
        return {
          // A cuttable store reaches etcd through one member only; the others through the other two.
          store: ({ cuttable = false } = {}) => etcdStoreOn(cuttable ? [cut!.clientUrl] : reachable, prefix),
          cut: async (during) => {
            await cluster.kill(cut!);
            // The other two elect a leader among themselves (when the cut one led) before the writes.
            await cluster.leader();
            await during();
            await cluster.restart(cut!);
          },
        };
      },
      close: () => cluster.close(),
    };
  },
  { replicas: 'many', skip: !etcdAvailable() },
);

describeStoreContract(
  'Consul (the stand-in, or CONSUL_HTTP_ADDR)',
  async () => {
    const target = await startConsulTarget({ sessionTtlMinMs: 1_000 });
    const config = { address: target.address, ...(target.token ? { token: target.token } : {}) };
    const standIn = target.standIn;
    return {
      space: () => {
        const prefix = `${target.prefix}/${randomUUID()}`;
        return {
          store: () => new ConsulRegistryStore(() => createConsulClient(config), { prefix, sessionTtlSeconds: 1 }, target.address, silentLogger()),
          // The stand-in drops every connection, as an agent restart does; the writer reconnects at once.
          ...(standIn
            ? {
                cut: async (during: () => Promise<void>) => {
                  standIn.dropConnections();
                  // The writer's kept-alive sockets were dropped too: let its agent see them close
                  // before it writes, or it sends on a dead one (a real Consul restart does the same).
                  await new Promise((resolve) => setTimeout(resolve, 100));
                  await during();
                },
              }
            : {}),
        };
      },
      close: () => target.close(),
    };
  },
  { replicas: 'many' },
);
