/** Builds and starts a gateway: the public API in front of a pool of runners, routed statically or by the registry. */
import {
  GATEWAY_HTTP_LISTENING,
  GATEWAY_RETRY_DEFAULTS,
  RUNNER_KEEPALIVE_DEFAULT_MS,
  gatewayRetryPolicyOptions,
  RetryPolicy,
  startGrpcServer,
  startHttpServer,
  Authenticator,
  meshChannelCredentials,
  TlsFiles,
  type MethodAccess,
  type GatewaySettings,
  type PublisherSettings,
  type Logger,
  keepaliveOf,
  SessionPool,
  shadowSchema,
} from '@infermesh/common';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { DISCOVERY_HEALTH_SERVICE, meshDiscoveryOf } from '@infermesh/common/discovery';
import { RunnerExchanges } from './h2/RunnerExchanges.js';
import { startH2Front } from './h2/start-h2-front.js';
import { restApi } from './rest/rest-api.js';
import { extensionHandlers, extensionNames } from './extensions/extension-handlers.js';
import { gatewayHandlers, gatewayServiceDefinition } from './inference-service.js';
import type { InferEvent, InferObserver } from './InferObserver.js';
import { ShadowMirror } from './shadow/ShadowMirror.js';
import { ShadowStats, type ShadowCounts } from './shadow/ShadowStats.js';
import { observerNotifier } from './notify-observers.js';
import { followRegistry, type RegistryLink } from './registry/follow-registry.js';
import type { Router } from './Router.js';
import { RegistryRepository } from './repository/RegistryRepository.js';
import { RunnerListRepository } from './repository/RunnerListRepository.js';
import type { OutlierPolicy } from './OutlierState.js';
import { RunnerPool } from './RunnerPool.js';
import { createSinkPublisher, type SinkPublisher } from './sink/SinkPublisher.js';
import { AccessLog } from './AccessLog.js';
import { GatewayStats } from './status/GatewayStats.js';
import { RegistryView } from './status/RegistryView.js';
import { statusRoutes } from './status/status-routes.js';
import { RunnerHeaders } from './runner-headers.js';
import { StaticRouter } from './StaticRouter.js';

/**
 * Everything a gateway needs: common's GatewaySettings (the resolved mesh config) plus what
 * the process supplies. Tests may leave out `httpPort` (no status page or /metrics), `retry`
 * (the `gateway.retry` defaults), `forwarding` (http2), `runnerCalls` (exchange), `passThroughHeaders` (none), `accessLog` (off) and
 * `runnerKeepaliveMs` (the `gateway.runnerKeepaliveMs` default); without `registry` the gateway
 * routes to the static `runners` list, without `publisher` it writes no records.
 */
export interface GatewayConfig extends Partial<Pick<GatewaySettings, 'httpPort' | 'retry' | 'forwarding' | 'runnerCalls' | 'passThroughHeaders' | 'runnerKeepaliveMs'>>,
    Omit<GatewaySettings, 'httpPort' | 'retry' | 'forwarding' | 'runnerCalls' | 'passThroughHeaders' | 'runnerKeepaliveMs'> {
  logger: Logger;
  /** Told about every forwarded inference (sink publisher, registry reporter). */
  observers?: InferObserver[];
  /** When a runner that keeps failing is left out, and for how long; default 5 failures in a row, 10 s out. */
  outlier?: OutlierPolicy;
}

/** A started gateway. */
export interface Gateway {
  port: number;
  address: string;
  pool: RunnerPool;
  /** How calls are routed; its `rollouts()` say what the registry's rollouts are. */
  router: Router;
  /** Traffic per version over the last minute, and the gateway's metrics. */
  stats: GatewayStats;
  /** Calls copied to shadow versions: counts, latency, agreement, drops. */
  shadowStats: ShadowStats;
  /** The shadow mirror, when the gateway follows a registry. */
  shadows: ShadowMirror | undefined;
  /** host:port of the status page and /metrics, when served. */
  httpAddress: string | undefined;
  close(): Promise<void>;
}

/** With `auth`: health checks stay open, loading and unloading models needs the admin role, the rest a token. */
const GATEWAY_ACCESS: Readonly<Record<string, MethodAccess>> = {
  ServerLive: 'open',
  ServerReady: 'open',
  RepositoryModelLoad: 'admin',
  RepositoryModelUnload: 'admin',
};

export async function createGateway(config: GatewayConfig): Promise<Gateway> {
  if (!config.registry && config.runners.length === 0) throw new Error('gateway: no runners configured (gateway.runners or runners) and no registry');
  const meshTls = config.tls && new TlsFiles(config.tls, config.logger);
  const publicTls = config.publicTls && (config.publicTls === config.tls ? meshTls : new TlsFiles(config.publicTls, config.logger));
  const credentials = meshChannelCredentials(meshTls);
  const auth = config.auth && (await Authenticator.create(config.auth, config.logger));
  // With Consul or etcd discovery, the registry and the sink are `consul:///<service>` or `etcd:///<service>` targets.
  const discovery = await meshDiscoveryOf(config.discovery, config.logger);
  discovery?.useResolver();
  const pool = new RunnerPool(config.registry ? [] : config.runners, config.maxMessageBytes, config.runnerRefreshMs, config.outlier, credentials);
  await pool.start();
  const stats = new GatewayStats(pool);
  const registrySecurity = { credentials, ...(config.token === undefined ? {} : { token: config.token }) };
  const shadowStats = new ShadowStats(stats.registry, (): number => mirror?.queued ?? 0);
  const link: RegistryLink | undefined = config.registry
    ? followRegistry(config.registry, pool, stats, config.logger, registrySecurity, (): readonly ShadowCounts[] => shadowStats.counts())
    : undefined;
  const router: Router = link?.router ?? new StaticRouter(pool);
  const retry = new RetryPolicy(gatewayRetryPolicyOptions(config.retry ?? GATEWAY_RETRY_DEFAULTS));
  const runnerHeaders = new RunnerHeaders(config.passThroughHeaders);
  const publisher = config.publisher && sinkPublisher(config.publisher, pool, config.logger, credentials);
  if (publisher) stats.watchSink(publisher);
  const observers = publisher ? [...(config.observers ?? []), publisher] : config.observers;
  const repository = link ? new RegistryRepository(link.client, router, link.gateway) : new RunnerListRepository(pool);
  // The registry's reports are read from the same counts: one observer counts each call once.
  const own: InferObserver[] = config.accessLog ? [stats, new AccessLog(config.logger, pool)] : [stats];
  const sessions = new SessionPool(config.logger, meshTls, true, keepaliveOf(config.runnerKeepaliveMs ?? RUNNER_KEEPALIVE_DEFAULT_MS));
  // Shadows come from the registry's rollouts: a gateway without one has none to copy calls to.
  const mirror: ShadowMirror | undefined =
    link &&
    new ShadowMirror({
      routes: link.router,
      stats: shadowStats,
      config: config.shadow ?? shadowSchema.parse({}),
      logger: config.logger,
      sessions,
      maxMessageBytes: config.maxMessageBytes,
      ...(publisher ? { publish: (event: InferEvent) => publisher.onInfer(event) } : {}),
    });
  if (mirror) own.push(mirror);
  const implementation = {
    ...gatewayHandlers(router, retry, runnerHeaders, config.logger, observers, own, extensionNames(link !== undefined)),
    ...extensionHandlers(router, pool, repository, config.logger),
  };
  const h2 = (config.forwarding ?? 'http2') === 'http2';
  const server = await startGrpcServer({
    // Behind the HTTP/2 front, grpc-js serves on loopback only.
    host: h2 ? '127.0.0.1' : config.host,
    port: h2 ? 0 : config.port,
    maxReceiveMessageBytes: config.maxMessageBytes,
    maxSendMessageBytes: config.maxMessageBytes,
    maxConcurrentStreams: config.maxConcurrentStreams,
    services: [{ definition: gatewayServiceDefinition, implementation, access: GATEWAY_ACCESS, modelField: 'name' }],
    ...(auth ? { auth } : {}),
    // Behind the front, the mesh's TLS: only the front (or a mesh peer) gets in.
    ...(h2 ? (meshTls ? { tls: meshTls } : {}) : publicTls ? { tls: publicTls } : {}),
  });
  const front = h2
    ? await startH2Front({
        host: config.host,
        port: config.port,
        internal: server.address,
        maxConcurrentStreams: config.maxConcurrentStreams,
        streamIdleTimeoutMs: config.streamIdleTimeoutMs,
        logger: config.logger,
        ...(publicTls ? { tls: publicTls } : {}),
        ...(meshTls ? { internalTls: meshTls } : {}),
        ...(auth ? { auth } : {}),
        infer: {
          router,
          retry,
          runnerHeaders,
          sessions,
          ...((config.runnerCalls ?? 'exchange') === 'exchange' ? { exchanges: new RunnerExchanges(sessions, config.maxMessageBytes, config.logger) } : {}),
          maxMessageBytes: config.maxMessageBytes,
          logger: config.logger,
          observers: observerNotifier(config.logger, observers ?? [], own),
        },
      })
    : undefined;
  if (front) config.logger.info({ address: front.address, internal: server.address }, 'ModelInfer forwarded at the HTTP/2 level');
  // The REST API calls the grpc-js server on loopback, with the TLS that server listens with.
  const serverTls = h2 ? meshTls : publicTls;
  const rest = restApi({ target: `127.0.0.1:${server.port}`, maxBodyBytes: config.maxMessageBytes, logger: config.logger, ...(serverTls ? { tls: serverTls } : {}) });
  const http =
    config.httpPort === undefined
      ? undefined
      : await startHttpServer({
          host: config.host,
          port: config.httpPort,
          routes: statusRoutes({
            pool,
            stats,
            router,
            ...(link ? { registry: new RegistryView(link.client, link.address, () => link.health()) } : {}),
            ...(publisher ? { publisher } : {}),
            shadows: shadowStats,
            ...(discovery ? { discovery: () => discovery.health() } : {}),
          }),
          fallback: rest.handle,
          ...(publicTls ? { tls: publicTls } : {}),
        });
  if (http) config.logger.info({ address: http.address }, GATEWAY_HTTP_LISTENING);
  // The gateway serves on the routes it has either way; a probe asking for the discovery service learns whether they are still followed.
  discovery?.watchHealth((health) => server.health.setStatus(DISCOVERY_HEALTH_SERVICE, health.reachable ? 'SERVING' : 'NOT_SERVING'));
  const port = front?.port ?? server.port;
  const presence = discovery && (await discovery.join({ kind: 'gateway', listenHost: config.host, port, tls: publicTls !== undefined, logger: config.logger }));
  return {
    port,
    address: front?.address ?? server.address,
    pool,
    router,
    stats,
    shadowStats,
    shadows: mirror,
    httpAddress: http?.address,
    async close() {
      // Leave discovery first, so that callers finding gateways there stop choosing this one.
      await presence?.leave();
      await http?.close();
      rest.close();
      // Copies in flight finish (or time out) while the sessions they use are still open.
      await mirror?.close();
      await front?.close();
      await server.close();
      sessions.close();
      link?.close();
      router.close();
      pool.close();
      await publisher?.close();
      auth?.close();
      meshTls?.close();
      publicTls?.close();
      discovery?.close();
    },
  };
}

function sinkPublisher(settings: PublisherSettings, pool: RunnerPool, logger: Logger, credentials: ChannelCredentials): SinkPublisher {
  return createSinkPublisher({
    ...settings,
    logger,
    credentials,
    // The device a record ran on, from the runner's last Status.
    deviceOf: (runner, model, version) =>
      pool.runners.find((endpoint) => endpoint.address === runner)?.status?.models.find((m) => m.name === model && m.version === version)?.device ?? '',
  });
}
