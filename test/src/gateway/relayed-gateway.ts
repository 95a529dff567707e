/**
 * A real runner over the example models, a recording relay in front of it (runner-relay.ts)
 * and an in-process gateway that routes to the relay, with a client of the gateway: for
 * tests of what the gateway sends a runner.
 */
import { InferenceClient } from '@infermesh/client';
import type { GatewayConfig } from '@infermesh/gateway';
import type { RunnerConfig } from '@infermesh/runners';
import { exampleRepository, waitFor } from '@infermesh/testkit';
import { startGatewayInProcess, startRunnerInProcess } from '../harness/index.js';
import { startRunnerRelay, type RunnerRelay } from './runner-relay.js';

export interface RelayedGateway {
  relay: RunnerRelay;
  client: InferenceClient;
  /** Stops the client, the gateway, the relay and the runner, and removes the repository. */
  close(): Promise<void>;
}

/** Resolves once the gateway routes `simple`. */
export async function startRelayedGateway(settings: { runner?: Partial<RunnerConfig>; gateway?: Partial<GatewayConfig> } = {}): Promise<RelayedGateway> {
  const repo = await exampleRepository();
  const runner = await startRunnerInProcess(repo.dir, settings.runner);
  const relay = await startRunnerRelay(runner.address);
  const gateway = await startGatewayInProcess([relay.address], settings.gateway);
  const client = new InferenceClient(gateway.address);
  const close = async () => {
    client.close();
    await gateway.close();
    await relay.close();
    await runner.close();
    await repo.remove();
  };
  try {
    await waitFor(() => client.modelReady('simple'), 30_000, 'simple to be routable');
  } catch (error) {
    await close();
    throw error;
  }
  return { relay, client, close };
}
