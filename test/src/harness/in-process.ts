/** A runner and a gateway started in the test's own process, with test defaults (free ports, silent logs). */
import { silentLogger } from '@infermesh/common';
import { createGateway, type Gateway, type GatewayConfig } from '@infermesh/gateway';
import { createRunner, type Runner, type RunnerConfig } from '@infermesh/runners';

/** A CPU runner over `modelRepository`, resolved once every version has loaded or failed. */
export async function startRunnerInProcess(modelRepository: string, overrides: Partial<RunnerConfig> = {}): Promise<Runner> {
  const runner = await createRunner({
    name: 'cpu-0',
    device: 'cpu',
    host: '127.0.0.1',
    port: 0,
    modelRepository,
    dataDir: modelRepository,
    intraOpThreads: 1,
    maxMessageBytes: 1 << 26,
    maxTensorElements: 1 << 24,
    logger: silentLogger(),
    ...overrides,
  });
  await runner.loaded;
  return runner;
}

/** A gateway in front of `runners` (static routing), polling them every 100 ms. */
export function startGatewayInProcess(runners: string[], overrides: Partial<GatewayConfig> = {}): Promise<Gateway> {
  return createGateway({
    host: '127.0.0.1',
    port: 0,
    runners,
    runnerRefreshMs: 100,
    maxMessageBytes: 1 << 26,
    logger: silentLogger(),
    ...overrides,
  });
}
