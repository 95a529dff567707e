/** Builds and starts the registry: state, store, artifacts, membership, placement, routes, API. */
import path from 'node:path';
import {
  Authenticator,
  meshChannelCredentials,
  metricsRoute,
  startHttpServer,
  serviceMiddleware,
  startGrpcServer,
  TlsFiles,
  withMiddleware,
  type Logger,
  type MethodAccess,
  type RegistrySettings,
} from '@infermesh/common';
import { meshDiscoveryOf } from '@infermesh/common/discovery';
import { registryProto } from '@infermesh/proto/registry';
import { ArtifactStore } from './artifacts/ArtifactStore.js';
import { createArtifactBackend } from './artifacts/backends/create-artifact-backend.js';
import { isLoopbackHost } from './artifacts/network-guard.js';
import { AlwaysLeader } from './leadership/Leadership.js';
import { createMembership } from './placement/create-membership.js';
import type { Membership, MembershipChange } from './placement/Membership.js';
import { Placement } from './placement/Placement.js';
import type { ReplicaPresence } from './placement/ReplicaPresence.js';
import { RunnerControls } from './placement/RunnerControls.js';
import { Registry } from './Registry.js';
import { RouteBroadcaster } from './routing/RouteBroadcaster.js';
import { buildModelRoute } from './routing/route-table.js';
import { artifactHandlers } from './service/artifact-handlers.js';
import { operationContext, type RegistryContext } from './service/context.js';
import { rolloutHandlers } from './service/rollout-handlers.js';
import { runnerHandlers } from './service/runner-handlers.js';
import { versionHandlers } from './service/version-handlers.js';
import { CanaryWatch } from './stats/CanaryWatch.js';
import { createRegistryMetrics } from './stats/registry-metrics.js';
import { createStore } from './store/create-store.js';
import { DataFolderLock } from './store/DataFolderLock.js';
import type { RegistryStore } from './store/RegistryStore.js';

/** Everything a registry needs: its settings from the resolved mesh config (`main.ts`), with a logger. */
export interface RegistryOptions extends RegistrySettings {
  logger: Logger;
}

/** A started registry. */
export interface RunningRegistry {
  port: number;
  /** host:port */
  address: string;
  /** host:port of /metrics, when `metricsPort` is set. */
  metricsAddress: string | undefined;
  close(): Promise<void>;
}

export async function createRegistry(options: RegistryOptions): Promise<RunningRegistry> {
  const dir = path.join(options.dataDir, 'registry');
  // One registry per data folder: two would overwrite each other's state.
  const lock = await DataFolderLock.acquire(dir);
  try {
    const running = await startRegistry(options, dir);
    return {
      port: running.port,
      address: running.address,
      metricsAddress: running.metricsAddress,
      close: async () => {
        await running.close();
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}

/** `registry.artifacts.allowedDirs` against dataDir; absent, `<dataDir>/models` on loopback and nothing beyond it. */
function allowedDirs({ config, dataDir }: RegistryOptions): string[] {
  const dirs = config.artifacts.allowedDirs ?? (isLoopbackHost(config.host) ? ['models'] : []);
  return dirs.map((dir) => path.resolve(dataDir, dir));
}
/**
 * With `auth`: changes need the admin role; runners' and gateways' own calls need a mesh
 * client certificate (or a token with the service role); reads need a token.
 */
const REGISTRY_ACCESS: Readonly<Record<string, MethodAccess>> = {
  RegisterVersion: 'admin',
  PushVersion: 'admin',
  RetireVersion: 'admin',
  SetRollout: 'admin',
  Promote: 'admin',
  Rollback: 'admin',
  Unload: 'admin',
  RegisterRunner: 'mesh',
  Heartbeat: 'mesh',
  DeregisterRunner: 'mesh',
  WatchRoutes: 'mesh',
  ReportStats: 'mesh',
  FetchArtifact: 'mesh',
};

async function startRegistry(options: RegistryOptions, dir: string): Promise<RunningRegistry> {
  const { config, logger } = options;
  const store = createStore(config.store, { registryDir: dir, logger, ...(options.consul ? { consul: options.consul } : {}), ...(options.etcd ? { etcd: options.etcd } : {}) });
  const registry = await Registry.open(store, logger).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  // Other replicas' saves (a shared store) come in as they happen.
  registry.follow();
  try {
    return await serveRegistry(options, dir, store, registry);
  } catch (error) {
    // Nothing started may outlive a failed start: the store's watches would hold the process.
    registry.close();
    await store.close();
    throw error;
  }
}

/** Starts everything around the opened state: artifacts, membership, placement, routes, the API. */
async function serveRegistry(options: RegistryOptions, dir: string, store: RegistryStore, registry: Registry): Promise<RunningRegistry> {
  const { config, logger } = options;
  const artifacts = new ArtifactStore({
    dir,
    maxBytes: config.maxArtifactBytes,
    downloadTimeoutMs: config.downloadTimeoutMs,
    sources: { ...config.artifacts, allowedDirs: allowedDirs(options) },
    backend: createArtifactBackend(config.artifacts.store, dir),
  });
  await artifacts.init();

  const tls = options.tls && new TlsFiles(options.tls, logger);
  const controls = new RunnerControls(meshChannelCredentials(tls));
  const auth = options.auth && (await Authenticator.create(options.auth, logger));
  let onMembership = (_name: string, _change: MembershipChange) => {};
  const discovery = await meshDiscoveryOf(options.discovery, logger);
  // Replicas sharing the store hear of the runners that heartbeat here (started with the server, below).
  const peers: { presence?: ReplicaPresence | undefined } = {};
  const membership: Membership = createMembership(
    config.leaseMs,
    discovery,
    (name, change) => onMembership(name, change),
    () => peers.presence?.publish(membership.leased()),
    logger,
  );
  const placement = new Placement(
    registry,
    membership,
    controls,
    { syncMs: config.runnerSyncMs, unloadDelayMs: config.unloadDelayMs, loadTimeoutMs: config.loadTimeoutMs, loadRetryMs: config.loadRetryMs },
    logger,
  );
  const routes = new RouteBroadcaster(
    () => {
      const live = membership.live(registry.current.runners);
      return Object.values(registry.current.models).map((model) => buildModelRoute(model, live));
    },
    config.statsReportMs,
    logger,
  );
  // Rollbacks are only built once reports arrive, after `context` below exists.
  const canaries = new CanaryWatch(registry, (actor, reason) => operationContext(context, actor, reason), logger);
  onMembership = (name, change) => {
    if (change === 'expired') logger.warn({ runner: name }, 'runner missed its lease; it leaves the routes');
    routes.refresh();
    placement.trigger();
  };
  registry.onChange(() => {
    routes.refresh();
    placement.trigger();
    canaries.versionsChanged();
  });
  // Runners known before a restart keep their place in the routes while they heartbeat again.
  for (const name of Object.keys(registry.current.runners)) membership.renew(name);

  const context: RegistryContext = { config, registry, artifacts, membership, placement, routes, canaries, logger };
  const server = await startGrpcServer({
    ...(tls ? { tls } : {}),
    ...(auth ? { auth } : {}),
    host: config.host,
    port: config.port,
    maxReceiveMessageBytes: options.maxMessageBytes,
    maxSendMessageBytes: options.maxMessageBytes,
    maxConcurrentStreams: options.maxConcurrentStreams,
    services: [
      {
        definition: registryProto.Registry.service,
        implementation: withMiddleware(registryProto.Registry.service, serviceMiddleware(logger), {
          ...versionHandlers(context),
          ...rolloutHandlers(context),
          ...runnerHandlers(context),
          ...artifactHandlers(context),
        }),
        access: REGISTRY_ACCESS,
        modelField: 'model',
      },
    ],
  });
  const metrics =
    config.metricsPort === null
      ? undefined
      : await startHttpServer({ host: config.host, port: config.metricsPort, routes: { '/metrics': metricsRoute(createRegistryMetrics(registry, membership)) }, ...(tls ? { tls } : {}) }).catch(
          async (error: unknown) => {
            await server.close();
            throw error;
          },
        );
  membership.start();
  const presence = store.presence?.(server.address, logger);
  peers.presence = presence;
  presence?.start((runners) => membership.setRemote(runners));
  presence?.publish(membership.leased());
  // One replica places at a time: the leader of the store's election (always this one with the file store).
  const leadership = store.leadership?.(server.address, logger) ?? new AlwaysLeader();
  leadership.onChange((leader) => (leader ? placement.start() : placement.pause()));
  leadership.start();
  const inDiscovery = discovery && (await discovery.join({ kind: 'registry', listenHost: config.host, port: server.port, tls: tls !== undefined, logger }));

  return {
    port: server.port,
    address: server.address,
    metricsAddress: metrics?.address,
    async close() {
      // Leave discovery first, so that runners and gateways look for another replica.
      await inDiscovery?.leave();
      await metrics?.close();
      placement.close();
      await leadership.close();
      await presence?.close();
      registry.close();
      membership.stop();
      // Watches last as long as the gateway does; end them so the server can stop.
      routes.close();
      await server.close();
      controls.close();
      await registry.idle();
      await store.close();
      artifacts.close();
      auth?.close();
      tls?.close();
      discovery?.close();
    },
  };
}
