/** Gateway process: `node gateway/dist/main.js`, configured by the mesh config and INFERMESH_* variables. */
import { createLogger, loadMeshConfigOrExit, readEnvironment, runService } from '@infermesh/common';
import { createGateway } from './create-gateway.js';

const env = readEnvironment();
const mesh = loadMeshConfigOrExit(env);
const logger = createLogger('gateway', mesh.log.level);

await runService(logger, () =>
  createGateway({
    host: mesh.gateway.host,
    port: mesh.gateway.port,
    runners: mesh.gateway.runners ?? mesh.runners.map((r) => `${r.host}:${r.port}`),
    runnerRefreshMs: mesh.gateway.runnerRefreshMs,
    maxMessageBytes: mesh.limits.maxMessageBytes,
    logger,
  }),
);
