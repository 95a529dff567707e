/** Sink process: `node sink/dist/main.js`, configured by the mesh config's `sink:` section and INFERMESH_* variables. */
import { configFileOf, createLogger, loadMeshConfigOrExit, orExitOnConfigError, readEnvironment, runService, startTelemetry } from '@infermesh/common';
import { createSink } from './create-sink.js';
import { parseSinkConfig, type SinkConfig } from './sink-config.js';

const env = readEnvironment();
const mesh = loadMeshConfigOrExit(env);
const config: SinkConfig = orExitOnConfigError(() => parseSinkConfig(mesh, env), `config ${configFileOf(env)}: `);
const logger = createLogger('sink', mesh.log.level);
const telemetry = startTelemetry('infermesh-sink', env);

await runService(logger, async () => {
  const sink = await createSink(config, { logger });
  return {
    address: sink.address,
    async close() {
      await sink.close();
      await telemetry.shutdown();
    },
  };
});
