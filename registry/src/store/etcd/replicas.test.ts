/**
 * Two registry replicas (in this process, each on its own data folder) sharing a real
 * three-member etcd cluster: 1,000 changes to one model's rollout and versions made
 * concurrently through both are all in the final state, a change made through one reaches
 * the other's route watchers, and a runner that heartbeats to one is live on the other until
 * it stops. Beside them, a store whose save were a plain put (no revision compared) loses
 * writes in the same race: the check has teeth.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createEtcdClient, silentLogger } from '@infermesh/common';
import { EtcdCluster, etcdAvailable, mlpModel, pollUntil } from '@infermesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRouteChangeReachesOther, expectRunnerSharedWithOther, startReplica as startWith, stopReplica, type Replica } from '../replicas.test-helper.js';
import { Registry } from '../../Registry.js';
import { runnerEntry } from '../state-fixtures.test-helper.js';
import { EtcdRegistryStore } from './EtcdRegistryStore.js';
import { etcdConfigOf, etcdStoreOn } from './etcd-store.test-helper.js';

const available = etcdAvailable();
const PREFIX = '/replicas-test';
const MODEL = 'm0';
const CHANGES = 1_000;
let cluster: EtcdCluster;
let a: Replica;
let b: Replica;

const startReplica = () => startWith({ type: 'etcd', leaseTtlSeconds: 2 }, { etcd: etcdConfigOf(cluster.endpoints, PREFIX) }, 5_000);

/** The state as etcd holds it now, read by a store of its own. */
async function storedState(prefix = PREFIX) {
  const store = etcdStoreOn(cluster.endpoints, prefix);
  try {
    return (await store.load())!.state;
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  if (!available) return;
  cluster = await EtcdCluster.start({ members: 3 });
  [a, b] = await Promise.all([startReplica(), startReplica()]);
  for (const version of [1, 2] as const) {
    const file = path.join(a.dataDir, `${MODEL}-${version}.onnx`);
    await writeFile(file, mlpModel(version));
    await a.client.registerVersion({ model: MODEL, version, artifact: file });
  }
  await a.client.setRollout(MODEL, { stable_version: 1 }, ['stable_version']);
  // B hears of A's versions through etcd.
  await pollUntil(async () => (await b.client.getModel(MODEL).catch(() => undefined))?.rollout?.stable_version === 1, { timeoutMs: 30_000, what: 'replica B to see the model registered on A' });
}, 120_000);

afterAll(async () => {
  await Promise.all([stopReplica(a), stopReplica(b)]);
  await cluster?.close();
});

describe.skipIf(!available)('registry replicas on a three-member etcd cluster', () => {
  it(`keeps every acknowledged change of ${CHANGES} made concurrently through both replicas to one model's rollout and versions`, async () => {
    const artifact = path.join(a.dataDir, `${MODEL}-2.onnx`);
    // Every tenth change registers a new version; the others move the canary.
    const changes = Array.from({ length: CHANGES }, (_, i) => ({ i, via: i % 2 === 0 ? a : b, version: i % 10 === 0 ? 3 + i / 10 : undefined }));
    const startedAt = performance.now();
    const outcomes = await Promise.allSettled(
      changes.map(({ i, via, version }) =>
        version === undefined
          ? via.client.setRollout(MODEL, { canary_version: 2, canary_weight_bp: i + 1 }, ['canary_version', 'canary_weight_bp'], { actor: 'replica-test', reason: `change ${i}` })
          : via.client.registerVersion({ model: MODEL, version, artifact, labels: { change: String(i) } }),
      ),
    );
    const elapsedMs = performance.now() - startedAt;
    const acknowledged = changes.filter((_, index) => outcomes[index]!.status === 'fulfilled');
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => String((outcome as PromiseRejectedResult).reason));
    process.stdout.write(`${CHANGES} concurrent changes through two replicas: ${acknowledged.length} acknowledged, ${refused.length} refused, in ${Math.round(elapsedMs)} ms\n`);
    // A change that lost the race 20 times in a row is refused as UNAVAILABLE ("nothing was changed,
    // try again"): under this burst the replica that keeps winning starves the other for a while.
    for (const reason of refused) expect(reason).toMatch(/UNAVAILABLE: .*kept changing under this change; nothing was changed, try again/);
    expect(refused.length).toBeLessThan(CHANGES * 0.05);
    const state = await storedState();
    const model = state.models[MODEL]!;
    const reasons = new Set(model.history.map((event) => event.reason));
    const kept = (change: (typeof changes)[number]) => (change.version === undefined ? reasons.has(`change ${change.i}`) : model.versions.some((entry) => entry.version === change.version));
    expect(acknowledged.filter((change) => !kept(change)).map((change) => change.i), 'acknowledged changes missing from the stored state').toEqual([]);
    // And a refused one changed nothing.
    expect(changes.filter((change, index) => outcomes[index]!.status === 'rejected' && kept(change)).map((change) => change.i), 'refused changes found in the stored state').toEqual([]);
    // Both replicas end on the stored rollout.
    for (const replica of [a, b]) {
      await pollUntil(async () => (await replica.client.getModel(MODEL)).rollout?.canary_weight_bp === model.rollout.canaryWeightBp, {
        timeoutMs: 30_000,
        what: 'each replica to hold the stored rollout',
      });
    }
  }, 300_000);

  it("sends a change made through replica A to the gateways watching replica B's routes", () => expectRouteChangeReachesOther(a.client, b.client, MODEL), 120_000);

  it('counts a runner that heartbeats to replica A as live on replica B, until it stops', () => expectRunnerSharedWithOther(a.client, b.client), 120_000);

  it('loses acknowledged writes in the same race when the save is a plain put, and none with the transaction', async () => {
    /** The etcd store with its compare taken out: the save overwrites whatever is there. */
    class PlainPutStore extends EtcdRegistryStore {
      protected override async swapHead(value: Buffer): Promise<number> {
        const { client } = await this.client();
        return Number((await client.put(this.keys.head).value(value).exec()).header.revision);
      }
    }
    const race = async (prefix: string, make: (prefix: string) => EtcdRegistryStore) => {
      const registries = await Promise.all([make(prefix), make(prefix)].map((store) => Registry.open(store, silentLogger())));
      registries.forEach((registry) => registry.follow());
      const writes = Array.from({ length: 200 }, (_, i) =>
        registries[i % 2]!.mutate((draft) => {
          draft.runners[`w${i}`] = runnerEntry(`w${i}`);
        }),
      );
      const outcomes = await Promise.allSettled(writes);
      registries.forEach((registry) => registry.close());
      const stored = await storedState(prefix);
      return outcomes.filter((outcome, i) => outcome.status === 'fulfilled' && stored.runners[`w${i}`] === undefined).length;
    };
    const config = etcdConfigOf(cluster.endpoints, `${PREFIX}-plain`);
    const lostWithPut = await race(`${PREFIX}-plain`, (prefix) => new PlainPutStore(() => createEtcdClient(config), { prefix: `${prefix}/registry`, leaseTtlSeconds: 2 }, 'plain', silentLogger()));
    const lostWithTransaction = await race(`${PREFIX}-txn`, (prefix) => etcdStoreOn(cluster.endpoints, prefix));
    process.stdout.write(`acknowledged writes lost of 200 racing through two registries: plain put ${lostWithPut}, transaction ${lostWithTransaction}\n`);
    expect(lostWithPut).toBeGreaterThan(0);
    expect(lostWithTransaction).toBe(0);
  }, 120_000);
});
