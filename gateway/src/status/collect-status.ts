/** Reads everything the status page shows, when it is asked for: nothing here runs per predict call. */
import type { DiscoveryHealth } from '@infermesh/common/discovery';
import type { Router } from '../Router.js';
import type { RunnerPool } from '../RunnerPool.js';
import type { GatewayStats } from './GatewayStats.js';
import type { RegistryView } from './RegistryView.js';
import { runnerView } from './runner-view.js';
import { sinkView, type WatchedPublisher } from './sink-view.js';
import { statusSnapshot, type StatusSnapshot } from './status-snapshot.js';

/** Where the status page's data comes from. */
export interface StatusSources {
  pool: RunnerPool;
  stats: GatewayStats;
  /** The rollouts routing follows; none without one. */
  router?: Pick<Router, 'rollouts'>;
  registry?: RegistryView;
  publisher?: WatchedPublisher;
  /** The discovery backend's reachability; none without one. */
  discovery?: () => DiscoveryHealth;
}

export async function collectStatus(sources: StatusSources): Promise<StatusSnapshot> {
  const [registry, sink] = await Promise.all([sources.registry?.health(), sources.publisher && sinkView(sources.publisher)]);
  return statusSnapshot({
    runners: sources.pool.runners.map(runnerView),
    traffic: sources.stats.traffic(),
    rollouts: sources.router?.rollouts() ?? [],
    ...(registry ? { registry } : {}),
    ...(sink ? { sink } : {}),
    ...(sources.discovery ? { discovery: sources.discovery() } : {}),
  });
}
