/** Registry process: `node registry/dist/main.js`, configured by the mesh config and INFERMESH_* variables. */
import { configFileOf, createLogger, loadMeshConfigOrExit, orExitOnConfigError, readEnvironment, runService } from '@infermesh/common';
import { parseRegistryConfig, type RegistryConfig } from './config/registry-config.js';
import { createRegistry } from './create-registry.js';

const env = readEnvironment();
const mesh = loadMeshConfigOrExit(env);
const logger = createLogger('registry', mesh.log.level);

const config: RegistryConfig = orExitOnConfigError(() => parseRegistryConfig(mesh.registry, configFileOf(env)));
if (env.registryPort !== undefined) config.port = env.registryPort;

await runService(logger, () => createRegistry({ config, dataDir: mesh.dataDir, maxMessageBytes: mesh.limits.maxMessageBytes, logger }));
