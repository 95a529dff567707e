/** Sink process: `node sink/dist/main.js`, configured by the mesh config's `sink:` section and INFERMESH_* variables. */
import { createLogger, loadConfigOrExit, runService, startTelemetry } from '@infermesh/common';
import { createSink } from './create-sink.js';

const config = loadConfigOrExit();
const logger = createLogger('sink', config.mesh.log.level);
const telemetry = await startTelemetry('infermesh-sink', config.env);

await runService(logger, async () => {
  const sink = await createSink(config.sink, { logger });
  return {
    address: sink.address,
    async close() {
      await sink.close();
      await telemetry.shutdown();
    },
  };
});
