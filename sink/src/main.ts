/** Sink process: `node sink/dist/main.js`, configured by the mesh config's `sink:` section and INFERMESH_* variables. */
import { ConfigError, createLogger, loadMeshConfigOrExit, readEnvironment, runService, startTelemetry } from '@infermesh/common';
import { createSink } from './create-sink.js';
import { parseSinkConfig, type SinkConfig } from './sink-config.js';

const env = readEnvironment();
const mesh = loadMeshConfigOrExit(env);
let config: SinkConfig;
try {
  config = parseSinkConfig(mesh, env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`config ${env.configFile ?? 'deploy/local/infermesh.yaml'}: ${error.message}\n`);
  process.exit(2);
}
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
