/** The runner's infermesh.runner.v1.RunnerControl service. */
import { INFERMESH_VERSION, type ContextHandlers, type ServiceCallContext } from '@infermesh/common';
import type { RunnerControlHandlers } from '@infermesh/proto';
import { checkLoadModelRequest, checkUnloadModelRequest } from './load-model-request.js';
import type { ModelLifecycle } from './ModelLifecycle.js';
import type { ModelStore } from './ModelStore.js';

/** Handlers of RunnerControl over the runner's store, to bind behind the service middleware; loads and unloads go through `lifecycle`. */
export function runnerControlHandlers(
  runner: { name: string; device: string },
  store: ModelStore,
  lifecycle: ModelLifecycle,
  isReady: () => boolean,
): ContextHandlers<RunnerControlHandlers, ServiceCallContext> {
  return {
    Status: () => ({
      runner_name: runner.name,
      device: runner.device,
      ready: isReady(),
      models: store.all().map((version) => version.status()),
      version: INFERMESH_VERSION,
      rss_bytes: process.memoryUsage().rss,
      cpu_micros: cpuMicros(),
      uptime_ms: Math.round(process.uptime() * 1000),
    }),
    LoadModel: async (request) => {
      const version = await lifecycle.load(await checkLoadModelRequest(request));
      return { model: version.status() };
    },
    UnloadModel: async (request) => {
      const { name, version } = checkUnloadModelRequest(request);
      await lifecycle.unload(name, version);
      return {};
    },
  };
}

/** CPU time of this process, user and system together, in microseconds. */
function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}
