/** Gateway process: `node gateway/dist/main.js`, configured by the mesh config and INFERMESH_* variables. */
import { createLogger, loadConfigOrExit, runService, startTelemetry } from '@infermesh/common';
import { createGateway } from './create-gateway.js';

const config = loadConfigOrExit();
const logger = createLogger('gateway', config.mesh.log.level);
const telemetry = await startTelemetry('infermesh-gateway', config.env);

await runService(logger, async () => {
  const gateway = await createGateway({ ...config.gateway, logger });
  return {
    address: gateway.address,
    async close() {
      await gateway.close();
      await telemetry.shutdown();
    },
  };
});
