/** Runner process: `node runners/dist/main.js`, configured by the mesh config and INFERMESH_* variables. */
import { createLogger, loadMeshConfigOrExit, readEnvironment, runService, startTelemetry } from '@infermesh/common';
import { createRunner } from './create-runner.js';

const env = readEnvironment();
const mesh = loadMeshConfigOrExit(env);
const entry = env.runnerName ? mesh.runners.find((r) => r.name === env.runnerName) : mesh.runners[0];
const logger = createLogger(`runner/${entry?.name ?? env.runnerName}`, mesh.log.level);
const telemetry = startTelemetry('infermesh-runner', env);

await runService(logger, async () => {
  if (!entry) throw new Error(`no runner named '${env.runnerName}' in the mesh config`);
  const runner = await createRunner({
    name: entry.name,
    device: entry.device,
    host: entry.host,
    port: entry.port,
    modelRepository: entry.modelRepository!,
    dataDir: mesh.dataDir,
    intraOpThreads: entry.intraOpThreads,
    maxMessageBytes: mesh.limits.maxMessageBytes,
    maxTensorElements: mesh.limits.maxTensorElements,
    metricsPort: entry.metricsPort,
    logger,
    ...(env.registryAddress ? { registry: env.registryAddress } : {}),
  });
  return {
    address: runner.address,
    async close() {
      await runner.close();
      await telemetry.shutdown();
    },
  };
});
