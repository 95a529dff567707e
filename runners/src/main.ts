/** Runner process: `node runners/dist/main.js`, configured by the mesh config and INFERMESH_* variables. */
import { createLogger, loadConfigOrExit, runService, startTelemetry } from '@infermesh/common';
import { createRunner } from './create-runner.js';

const config = loadConfigOrExit();
const settings = config.runner();
const logger = createLogger(`runner/${settings?.name ?? config.env.runnerName}`, config.mesh.log.level);
const telemetry = await startTelemetry('infermesh-runner', config.env);

await runService(logger, async () => {
  if (!settings) throw new Error(`no runner named '${config.env.runnerName}' in the mesh config`);
  const runner = await createRunner({ ...settings, logger });
  return {
    address: runner.address,
    async close() {
      await runner.close();
      await telemetry.shutdown();
    },
  };
});
