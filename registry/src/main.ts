/** Registry process: `node registry/dist/main.js`, configured by the mesh config and INFERMESH_* variables. */
import { createLogger, loadConfigOrExit, runService } from '@infermesh/common';
import { createRegistry } from './create-registry.js';

const config = loadConfigOrExit();
const logger = createLogger('registry', config.mesh.log.level);

await runService(logger, () => createRegistry({ ...config.registry, logger }));
