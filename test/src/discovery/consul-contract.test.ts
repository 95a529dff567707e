/**
 * The discovery contract against Consul: the stand-in on 127.0.0.1, or the real agent at
 * CONSUL_HTTP_ADDR. A stand-in is one process: there is no member to lose.
 */
import { consulDiscoverySchema } from '@infermesh/common/discovery';
import { startConsulForTest } from './consul-for-test.js';
import { discoveryContract } from './discovery-contract.js';
import { meshContractBackend } from './mesh-contract-backend.js';

const CHECK_INTERVAL_MS = 300;

discoveryContract(process.env.CONSUL_HTTP_ADDR ? 'Consul (real agent)' : 'Consul (stand-in)', { members: false }, async () => {
  const consul = await startConsulForTest({ ownProcess: true });
  return meshContractBackend({
    settings: (instanceName, service) => ({
      config: consulDiscoverySchema.parse({ type: 'consul', services: { registry: service }, checkIntervalMs: CHECK_INTERVAL_MS, checkTimeoutMs: 250, blockingWaitMs: 5_000, backoffInitialMs: 50, backoffMaxMs: 500 }),
      instanceName,
      consul: { address: consul.address },
    }),
    // A failing check turns the instance critical at the next interval, and the blocking query answers.
    deathWithinMs: CHECK_INTERVAL_MS * 4 + 5_000,
    stop: () => consul.close(),
  });
});
