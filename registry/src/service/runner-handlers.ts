/** RegisterRunner, Heartbeat, DeregisterRunner, ListRunners, WatchRoutes and ReportStats. */
import type { ServerWritableStream } from '@grpc/grpc-js';
import { ServiceError, type ContextHandlers, type ServiceCallContext } from '@infermesh/common';
import type { RegistryHandlers, RoutesUpdate, WatchRoutesRequest__Output } from '@infermesh/proto/registry';
import { checkLength } from '../state/checks.js';
import type { RegistryContext } from './context.js';
import { runnerToProto } from './to-proto.js';

type RunnerHandlers = ContextHandlers<Pick<RegistryHandlers, 'RegisterRunner' | 'Heartbeat' | 'DeregisterRunner' | 'ListRunners' | 'WatchRoutes' | 'ReportStats'>, ServiceCallContext>;

const RUNNER_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ADDRESS = /^[^\s:]{1,253}:\d{1,5}$|^\[[0-9a-fA-F:.]{2,45}\]:\d{1,5}$/;
const DEVICE = /^(cpu|cuda:\d{1,4})$/;

function checkRunner(request: { name: string; address: string }): void {
  if (!RUNNER_NAME.test(request.name)) {
    throw ServiceError.invalidArgument(`name: expected a runner name (lowercase letters, digits, dashes; at most 63), got '${request.name.slice(0, 100)}'`);
  }
  if (!ADDRESS.test(request.address)) throw ServiceError.invalidArgument(`address: expected host:port, got '${request.address.slice(0, 300)}'`);
}

export function runnerHandlers(context: RegistryContext): RunnerHandlers {
  const { logger, registry, membership, config } = context;
  const heartbeatMs = Math.max(100, Math.floor(config.leaseMs / 3));
  const lease = { lease_ms: config.leaseMs, heartbeat_ms: heartbeatMs };

  return {
    RegisterRunner: async (request) => {
      checkRunner(request);
      if (!DEVICE.test(request.device)) throw ServiceError.invalidArgument(`device: expected cpu or cuda:N, got '${request.device.slice(0, 100)}'`);
      checkLength(request.version, 64, 'version');
      // A registration is a new runner process: whatever the old one held is gone.
      await registry.mutate((draft) => {
        draft.runners[request.name] = {
          name: request.name,
          address: request.address,
          device: request.device,
          memoryBytes: Number(request.memory_bytes),
          version: request.version,
          registeredAtMs: Date.now(),
          versions: [],
        };
      });
      context.placement.forgetFailures(request.name);
      membership.renew(request.name);
      logger.info({ runner: request.name, address: request.address, device: request.device }, 'runner registered');
      void context.placement.sync(request.name).then(() => context.placement.trigger());
      return lease;
    },
    Heartbeat: (request) => {
      checkRunner(request);
      const known = registry.current.runners[request.name];
      if (!known || known.address !== request.address) {
        throw ServiceError.notFound(`runner '${request.name}' at ${request.address} is not registered; register again`);
      }
      membership.renew(request.name);
      return lease;
    },
    DeregisterRunner: async (request) => {
      checkRunner(request);
      const known = registry.current.runners[request.name];
      if (!known || known.address !== request.address) return {};
      await registry.mutate((draft) => {
        delete draft.runners[request.name];
      });
      membership.drop(request.name);
      logger.info({ runner: request.name, address: request.address }, 'runner left');
      return {};
    },
    ListRunners: () => {
      const runners = Object.values(registry.current.runners).sort((a, b) => a.name.localeCompare(b.name));
      return { runners: runners.map((runner) => runnerToProto(runner, membership.isLive(runner.name), membership.expiresAt(runner.name))) };
    },
    WatchRoutes: (call: ServerWritableStream<WatchRoutesRequest__Output, RoutesUpdate>) => context.routes.watch(call),
    ReportStats: (request) => {
      context.canaries.report(request);
      return {};
    },
  };
}
