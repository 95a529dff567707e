/**
 * Supervisor process: `node runners/dist/supervisor-main.js`, configured like a runner by the
 * mesh config and INFERMESH_* variables. It starts every runner of the config and keeps them
 * up. Its `listening` line's address lists the runners' addresses, comma-separated in config
 * order (the form INFERMESH_GATEWAY_RUNNERS takes). The runners' own lines are relayed on
 * stderr, so that the supervisor's stdout carries only its log and the first `listening`
 * line there is its own.
 */
import { createLogger, loadConfigOrExit, runService } from '@infermesh/common';
import { createSupervisor } from './supervisor/create-supervisor.js';

const config = loadConfigOrExit();
const logger = createLogger('supervisor', config.mesh.log.level);

await runService(logger, async () => {
  const supervisor = await createSupervisor({
    configFile: config.source,
    mesh: config.mesh,
    logger,
    ...(config.tls ? { tls: config.tls } : {}),
    onLine: (line) => process.stderr.write(`${line}\n`),
  });
  const runners = supervisor.runners();
  logger.info({ runners }, 'runners started');
  return { address: runners.map((runner) => runner.address).join(','), close: () => supervisor.close() };
});
