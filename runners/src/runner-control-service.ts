/** The runner's infermesh.runner.v1.RunnerControl service. */
import { INFERMESH_VERSION, unaryHandler, type Logger } from '@infermesh/common';
import type { RunnerControlHandlers } from '@infermesh/proto';
import type { ModelStore } from './ModelStore.js';

export function runnerControlHandlers(
  runner: { name: string; device: string },
  store: ModelStore,
  logger: Logger,
  isReady: () => boolean,
): RunnerControlHandlers {
  return {
    Status: unaryHandler(logger, 'Status', () => ({
      runner_name: runner.name,
      device: runner.device,
      ready: isReady(),
      models: store.all().map((version) => version.status()),
      version: INFERMESH_VERSION,
    })),
  };
}
