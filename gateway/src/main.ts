/** Gateway process: `node gateway/dist/main.js`, configured by the mesh config and INFERMESH_* variables. */
import { configFileOf, createLogger, loadMeshConfigOrExit, orExitOnConfigError, readEnvironment, runService, startTelemetry } from '@infermesh/common';
import { createGateway, type Gateway } from './create-gateway.js';
import { createSinkPublisher, sinkPublisherOptions, type SinkPublisher } from './sink/index.js';

const env = readEnvironment();
const mesh = loadMeshConfigOrExit(env);
const logger = createLogger('gateway', mesh.log.level);
const telemetry = startTelemetry('infermesh-gateway', env);

let gateway: Gateway | undefined;
const publisher: SinkPublisher | undefined = orExitOnConfigError(() => {
  const options = sinkPublisherOptions(mesh, env, logger);
  return (
    options &&
    createSinkPublisher({
      ...options,
      // The device a record ran on, from the runner's last Status.
      deviceOf: (runner, model, version) =>
        gateway?.pool.runners
          .find((endpoint) => endpoint.address === runner)
          ?.status?.models.find((m) => m.name === model && m.version === version)?.device ?? '',
    })
  );
}, `config ${configFileOf(env)}: `);

await runService(logger, async () => {
  const started = await createGateway({
    host: mesh.gateway.host,
    port: mesh.gateway.port,
    httpPort: mesh.gateway.httpPort,
    runners: mesh.gateway.runners ?? mesh.runners.map((r) => `${r.host}:${r.port}`),
    runnerRefreshMs: mesh.gateway.runnerRefreshMs,
    retry: mesh.gateway.retry,
    maxMessageBytes: mesh.limits.maxMessageBytes,
    logger,
    observers: publisher ? [publisher] : [],
    ...(env.registryAddress ? { registry: env.registryAddress } : {}),
  });
  gateway = started;
  return {
    address: started.address,
    async close() {
      await started.close();
      await publisher?.close();
      await telemetry.shutdown();
    },
  };
});
