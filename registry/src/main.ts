/** Registry process: `node registry/dist/main.js`, configured by the mesh config and INFERMESH_* variables. */
import { ConfigError, createLogger, loadMeshConfigOrExit, readEnvironment, runService } from '@infermesh/common';
import { parseRegistryConfig, type RegistryConfig } from './config/registry-config.js';
import { createRegistry } from './create-registry.js';

const env = readEnvironment();
const mesh = loadMeshConfigOrExit(env);
const logger = createLogger('registry', mesh.log.level);

let config: RegistryConfig;
try {
  config = parseRegistryConfig(mesh.registry, env.configFile ?? 'deploy/local/infermesh.yaml');
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
if (env.registryPort !== undefined) config.port = env.registryPort;

await runService(logger, () => createRegistry({ config, dataDir: mesh.dataDir, maxMessageBytes: mesh.limits.maxMessageBytes, logger }));
