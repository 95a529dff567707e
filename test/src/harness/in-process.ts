/** A runner and a gateway started in the test's own process, with test defaults (free ports, silent logs). */
import { InferenceClient, type InferenceClientOptions } from '@infermesh/client';
import { readEnvironment, silentLogger } from '@infermesh/common';
import { createGateway, type Gateway, type GatewayConfig } from '@infermesh/gateway';
import { createRunner, type Runner, type RunnerConfig } from '@infermesh/runners';
import { exampleRepository, inProcessRunnerSettings, waitFor } from '@infermesh/testkit';

/** A CPU runner over `modelRepository`, resolved once every version has loaded or failed. */
export async function startRunnerInProcess(modelRepository: string, overrides: Partial<RunnerConfig> = {}): Promise<Runner> {
  const runner = await createRunner({ ...inProcessRunnerSettings(modelRepository), ...overrides });
  await runner.loaded;
  return runner;
}

/**
 * A gateway in front of `runners` (static routing), polling them every 100 ms; it forwards
 * as INFERMESH_GATEWAY_FORWARDING says, so one suite runs on either path.
 */
export function startGatewayInProcess(runners: string[], overrides: Partial<GatewayConfig> = {}): Promise<Gateway> {
  return createGateway({
    host: '127.0.0.1',
    port: 0,
    runners,
    runnerRefreshMs: 100,
    forwarding: readEnvironment().gatewayForwarding ?? 'http2',
    maxMessageBytes: 1 << 26,
    logger: silentLogger(),
    ...overrides,
  });
}

/** A runner and a gateway in this process over the example models, with a client of the gateway. */
export interface InProcessMesh {
  repo: Awaited<ReturnType<typeof exampleRepository>>;
  runner: Runner;
  gateway: Gateway;
  client: InferenceClient;
  close(): Promise<void>;
}

/** What to start; the overrides go straight to the runner, the gateway and the client. */
export interface InProcessMeshOptions {
  /** Resolves once the gateway routes this model. */
  readyModel: string;
  runner?: Partial<RunnerConfig>;
  gateway?: Partial<GatewayConfig>;
  client?: InferenceClientOptions;
}

export async function startInProcessMesh(options: InProcessMeshOptions): Promise<InProcessMesh> {
  const repo = await exampleRepository();
  const runner = await startRunnerInProcess(repo.dir, options.runner);
  const gateway = await startGatewayInProcess([runner.address], options.gateway);
  const client = new InferenceClient(gateway.address, options.client);
  const mesh: InProcessMesh = {
    repo,
    runner,
    gateway,
    client,
    async close() {
      client.close();
      await gateway.close();
      await runner.close();
      await repo.remove();
    },
  };
  try {
    await waitFor(() => client.modelReady(options.readyModel), 30_000, `${options.readyModel} to be routable`);
  } catch (error) {
    await mesh.close();
    throw error;
  }
  return mesh;
}
