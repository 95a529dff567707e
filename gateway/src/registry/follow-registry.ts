/** Wires a gateway to the registry: one channel for the route watch and the stats reports. */
import { hostname } from 'node:os';
import { clientChannelOptions, clientSecurity, type ClientSecurity, type Logger } from '@infermesh/common';
import { registryProto, type RegistryClient } from '@infermesh/proto/registry';
import type { RunnerPool } from '../RunnerPool.js';
import type { ShadowCounts } from '../shadow/ShadowStats.js';
import type { GatewayStats } from '../status/GatewayStats.js';
import { RegistryRouter } from './RegistryRouter.js';
import { RouteWatcher, type RouteStreamHealth } from './RouteWatcher.js';
import { StatsReporter } from './StatsReporter.js';

/** A gateway's link to the registry. */
export interface RegistryLink {
  router: RegistryRouter;
  /** The registry's API, on the link's channel (repository methods use it). */
  client: RegistryClient;
  /** How this gateway names itself to the registry (watches, reports, rollout history). */
  gateway: string;
  /** The registry's address, and whether its route stream is up and how fresh. */
  address: string;
  health(): RouteStreamHealth;
  close(): void;
}

/** Route tables are small; this leaves room for thousands of models. */
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Starts following the registry at `address`; runners it names join `pool`, and `stats` (with `shadowCounts`) is what it reports. */
export function followRegistry(
  address: string,
  pool: RunnerPool,
  stats: GatewayStats,
  logger: Logger,
  security: ClientSecurity = {},
  /** The shadow versions' counts, reported beside `stats`. */
  shadowCounts: () => readonly ShadowCounts[] = () => [],
): RegistryLink {
  const { credentials, options } = clientSecurity(security);
  const client = new registryProto.Registry(address, credentials, {
    ...clientChannelOptions(MAX_MESSAGE_BYTES),
    ...options,
    // A restarted registry is found again within a second.
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1_000,
  });
  const gateway = `gateway ${hostname()} pid ${process.pid}`;
  const router = new RegistryRouter(pool, address);
  const reporter = new StatsReporter(client, gateway, logger, () => stats.counts(), shadowCounts);
  const watcher = new RouteWatcher(
    client,
    gateway,
    (update) => {
      router.apply(update);
      reporter.setIntervalMs(update.stats_report_ms);
    },
    logger,
  );
  watcher.start();
  reporter.start();
  return {
    router,
    client,
    gateway,
    address,
    health: () => watcher.health(),
    close() {
      watcher.close();
      reporter.close();
      client.close();
    },
  };
}
