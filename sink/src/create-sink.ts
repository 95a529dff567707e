/**
 * Builds and starts a sink: the spool, one worker per destination, the gRPC service that
 * gateways publish to, the sources, and the Prometheus endpoint.
 */
import { createLogger, meshChannelCredentials, TlsFiles, type Logger, type SinkConfig } from '@infermesh/common';
import { meshDiscoveryOf } from '@infermesh/common/discovery';
import type { SinkStatusResponse } from '@infermesh/proto/sink';
import { SpoolDelivery } from './delivery/SpoolDelivery.js';
import { serveSinkMetrics } from './metrics/serve-sink-metrics.js';
import { ShutdownStack } from './ShutdownStack.js';
import { startSinkServer } from './sink-server.js';
import { sinkStatus } from './sink-status.js';
import { spoolIntake } from './spool-intake.js';
import { SinkSources } from './sources/SinkSources.js';
import { Spool, type SpoolOptions } from './spool/Spool.js';

/** A started sink. */
export interface Sink {
  /** gRPC host:port gateways publish to. */
  address: string;
  port: number;
  /** host:port of `/metrics`, when served. */
  metricsAddress: string | undefined;
  /** Resolves once every source is subscribed. */
  sourcesReady: Promise<void>;
  /** The spool and each destination's progress (what the Status RPC answers). */
  status(): SinkStatusResponse;
  /** Stops sources and the gRPC service, lets deliveries in flight finish (up to 5 s), saves cursors. */
  close(): Promise<void>;
}

/** Optional collaborators; by default a JSON logger at the mesh's level. */
export interface SinkDependencies {
  logger?: Logger;
  /** Opens the spool segment being appended to; fault-injection tests pass one that fails like a bad disk. */
  openSpoolSegment?: SpoolOptions['openForAppend'];
}

/**
 * Opens the spool (recovering what a previous run left), resumes each destination at its
 * saved cursor, then starts delivery, `/metrics`, the gRPC service and the sources, in that
 * order; `close()` stops them in the reverse one. A failed start stops what had started.
 */
export async function createSink(config: SinkConfig, dependencies: SinkDependencies = {}): Promise<Sink> {
  const logger = dependencies.logger ?? createLogger('sink', config.logLevel);
  const spool = await Spool.open({
    ...config.spool,
    logger,
    ...(dependencies.openSpoolSegment ? { openForAppend: dependencies.openSpoolSegment } : {}),
  });
  const delivery = await SpoolDelivery.open(spool, config.spool.dir, config.destinations, config.deadLetters, logger);
  const intake = spoolIntake(spool, config.maxRecordBytes, config.requestLimits);
  const status = (): SinkStatusResponse => sinkStatus(spool, delivery, config.destinations);

  const shutdown = new ShutdownStack(logger);
  try {
    shutdown.push(() => spool.close());
    const tls = config.tls && new TlsFiles(config.tls, logger);
    if (tls) shutdown.push(async () => tls.close());
    delivery.start();
    shutdown.push(() => delivery.close());
    // With Consul or etcd discovery, sources find the gateway there (`etcd:///infermesh-gateway`...).
    const discovery = await meshDiscoveryOf(config.discovery, logger);
    if (discovery) {
      discovery.useResolver();
      shutdown.push(async () => discovery.close());
    }

    const sources = new SinkSources(config, intake.deadLetter, logger, {
      credentials: meshChannelCredentials(tls),
      ...(config.token === undefined ? {} : { token: config.token }),
    });
    const metrics =
      config.metricsPort === null
        ? undefined
        : await serveSinkMetrics(config.host, config.metricsPort, tls, {
            spool,
            depth: () => delivery.depth,
            destinations: () => delivery.workers,
            received: intake.received,
            sources: () => sources.outcomes,
          });
    if (metrics) shutdown.push(() => metrics.close());

    const server = await startSinkServer(config, { ingest: intake.ingest, status, logger }, tls);
    shutdown.push(() => server.close());
    if (discovery) {
      const presence = await discovery.join({ kind: 'sink', listenHost: config.host, port: server.port, tls: tls !== undefined, logger });
      // Closed first: gateways stop publishing here before the server stops.
      shutdown.push(() => presence.leave());
    }

    const sourcesReady = sources.start(shutdown);

    logger.info(
      { destinations: config.destinations.map((d) => `${d.name} (${d.type})`), sources: config.sources.map((s) => `${s.name} (${s.type})`), spool: config.spool.dir, metrics: metrics?.address },
      'sink started',
    );
    return {
      address: server.address,
      port: server.port,
      metricsAddress: metrics?.address,
      sourcesReady,
      status,
      close: () => shutdown.closeAll(),
    };
  } catch (error) {
    await shutdown.closeAll();
    throw error;
  }
}
