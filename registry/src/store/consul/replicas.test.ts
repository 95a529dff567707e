/**
 * Two registry replicas (in this process, each on its own data folder) sharing one Consul
 * (the stand-in, or CONSUL_HTTP_ADDR): concurrent changes through both are all kept, a
 * change made through one reaches the other's route watchers, and a runner that heartbeats
 * to one is live on the other until it stops.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createConsulClient, silentLogger } from '@infermesh/common';
import { mlpModel, pollUntil, startConsulTarget, type ConsulTarget } from '@infermesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRouteChangeReachesOther, expectRunnerSharedWithOther, startReplica as startWith, stopReplica, type Replica } from '../replicas.test-helper.js';
import { ConsulRegistryStore } from './ConsulRegistryStore.js';

let target: ConsulTarget;
let a: Replica;
let b: Replica;
const MODELS = ['m0', 'm1'];
const consulConfig = () => ({ address: target.address, ...(target.token ? { token: target.token } : {}) });
const prefix = () => `${target.prefix}/registry`;

const startReplica = () => startWith({ type: 'consul', prefix: prefix(), sessionTtlSeconds: 2 }, { consul: consulConfig() });

/** The state as Consul holds it now, read by a store of its own. */
async function storedState() {
  const store = new ConsulRegistryStore(() => createConsulClient(consulConfig()), { prefix: prefix(), sessionTtlSeconds: 2 }, target.address, silentLogger());
  try {
    return (await store.load())!.state;
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  target = await startConsulTarget({ sessionTtlMinMs: 1_000 });
  [a, b] = await Promise.all([startReplica(), startReplica()]);
  for (const model of MODELS) {
    for (const version of [1, 2]) {
      const file = path.join(a.dataDir, `${model}-${version}.onnx`);
      await writeFile(file, mlpModel(1));
      await a.client.registerVersion({ model, version, artifact: file });
    }
    await a.client.setRollout(model, { stable_version: 1 }, ['stable_version']);
  }
  // B hears of A's versions through Consul.
  await pollUntil(async () => (await b.client.getModel('m1').catch(() => undefined))?.rollout?.stable_version === 1, { timeoutMs: 30_000, what: 'replica B to see the models registered on A' });
}, 120_000);

afterAll(async () => {
  await Promise.all([stopReplica(a), stopReplica(b)]);
  await target?.close();
});

describe('registry replicas on one Consul', () => {
  it('keeps every acknowledged change of 200 made concurrently through both replicas', async () => {
    const changes = Array.from({ length: 200 }, (_, i) => ({ i, model: MODELS[i % 2]!, via: i % 4 < 2 ? a : b }));
    const outcomes = await Promise.allSettled(
      changes.map(({ i, model, via }) =>
        via.client.setRollout(model, { canary_version: 2, canary_weight_bp: i + 1 }, ['canary_version', 'canary_weight_bp'], { actor: 'replica-test', reason: `change ${i}` }),
      ),
    );
    const acknowledged = changes.filter((_, index) => outcomes[index]!.status === 'fulfilled');
    expect(outcomes.filter((outcome) => outcome.status === 'rejected').map((outcome) => String((outcome as PromiseRejectedResult).reason))).toEqual([]);
    const state = await storedState();
    for (const model of MODELS) {
      const reasons = new Set(state.models[model]!.history.map((event) => event.reason));
      const missing = acknowledged.filter((change) => change.model === model && !reasons.has(`change ${change.i}`)).map((change) => change.i);
      expect(missing, `acknowledged changes of ${model} missing from the stored history`).toEqual([]);
    }
    // Both replicas end on the stored rollouts.
    for (const replica of [a, b]) {
      await pollUntil(
        async () => {
          const models = await replica.client.listModels();
          return MODELS.every((name) => models.find((model) => model.name === name)?.rollout?.canary_weight_bp === state.models[name]!.rollout.canaryWeightBp);
        },
        { timeoutMs: 30_000, what: 'each replica to hold the stored rollouts' },
      );
    }
  }, 120_000);

  it("sends a change made through replica A to the gateways watching replica B's routes", () => expectRouteChangeReachesOther(a.client, b.client, 'm0'), 120_000);

  it('counts a runner that heartbeats to replica A as live on replica B, until it stops', () => expectRunnerSharedWithOther(a.client, b.client), 120_000);
});
