/**
 * Two real runners in this process over the example models, the first behind a relay the
 * test controls (one that breaks or freezes connections), and a gateway in front of the
 * relay and the second runner: for tests of what the gateway does when one runner misbehaves.
 */
import { InferenceClient } from '@infermesh/client';
import type { Gateway, GatewayConfig } from '@infermesh/gateway';
import type { Runner } from '@infermesh/runners';
import { exampleRepository, waitFor } from '@infermesh/testkit';
import { startGatewayInProcess, startRunnerInProcess } from './in-process.js';

/** What a relay must offer: the address to reach it, and how to stop it. */
export interface Relay {
  address: string;
  close(): Promise<void>;
}

export interface RelayedRunners<R extends Relay> {
  runners: Runner[];
  relay: R;
  gateway: Gateway;
  client: InferenceClient;
  close(): Promise<void>;
}

/** Starts the runners, the relay in front of the first (`startRelay(itsAddress)`) and the gateway; resolves once `simple` is routable. */
export async function startRelayedRunners<R extends Relay>(startRelay: (target: string) => Promise<R>, gatewayOverrides: Partial<GatewayConfig> = {}): Promise<RelayedRunners<R>> {
  const repo = await exampleRepository();
  const runners = [await startRunnerInProcess(repo.dir, { name: 'cpu-0' }), await startRunnerInProcess(repo.dir, { name: 'cpu-1' })];
  const relay = await startRelay(runners[0]!.address);
  const gateway = await startGatewayInProcess([relay.address, runners[1]!.address], gatewayOverrides);
  const client = new InferenceClient(gateway.address);
  await waitFor(() => client.modelReady('simple'), 30_000, 'simple to be routable');
  return {
    runners,
    relay,
    gateway,
    client,
    close: async () => {
      client.close();
      await gateway.close();
      await relay.close();
      for (const runner of runners) await runner.close();
      await repo.remove();
    },
  };
}
