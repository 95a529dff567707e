/** Reads everything the status page shows, when it is asked for: nothing here runs per predict call. */
import type { DiscoveryHealth } from '@infermesh/common/discovery';
import type { Router } from '../Router.js';
import type { RunnerPool } from '../RunnerPool.js';
import type { GatewayStats } from './GatewayStats.js';
import type { RegistryView } from './RegistryView.js';
import { runnerView } from './runner-view.js';
import { sinkView, type WatchedPublisher } from './sink-view.js';
import { statusSnapshot, type ShadowView, type StatusSnapshot } from './status-snapshot.js';
import { emptyAgreementCounts, summarizeAgreement } from '@infermesh/common';
import type { ShadowStats } from '../shadow/ShadowStats.js';

/** Where the status page's data comes from. */
export interface StatusSources {
  pool: RunnerPool;
  stats: GatewayStats;
  /** The rollouts routing follows; none without one. */
  router?: Pick<Router, 'rollouts'>;
  registry?: RegistryView;
  publisher?: WatchedPublisher;
  /** Calls copied to shadow versions. */
  shadows?: ShadowStats;
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
    ...(sources.shadows ? { shadows: shadowViews(sources.shadows) } : {}),
    ...(sources.discovery ? { discovery: sources.discovery() } : {}),
  });
}

/** Each shadow version, with the copies dropped for its model; a model whose copies were all dropped shows too. */
function shadowViews(stats: ShadowStats): ShadowView[] {
  const views: ShadowView[] = stats.summaries().map((summary) => ({ ...summary, dropped: stats.droppedCount(summary.model) }));
  for (const model of stats.droppedModels()) {
    if (!views.some((view) => view.model === model)) {
      views.push({ model, version: '', calls: 0, errors: 0, errorRate: 0, p50Ms: 0, p99Ms: 0, agreement: summarizeAgreement(emptyAgreementCounts()), dropped: stats.droppedCount(model) });
    }
  }
  return views;
}
