/** What the status page shows, as JSON (`/status.json`). */
import { INFERMESH_VERSION } from '@infermesh/common';
import type { RolloutSummary } from '../Router.js';
import type { RunnerPool } from '../RunnerPool.js';
import type { SinkPublisherStats } from '../sink/SinkPublisher.js';
import type { GatewayStats, VersionTraffic } from './GatewayStats.js';

/** A rollout as the page shows it: what the router follows (the registry's rollouts). */
export type RolloutView = RolloutSummary;

export interface StatusSnapshot {
  version: string;
  generatedAt: string;
  runners: { address: string; name: string; device: string; healthy: boolean; ready: boolean; outstanding: number; models: { name: string; version: string; state: string }[] }[];
  models: { name: string; versions: { version: string; state: string; runners: number }[]; rollout: RolloutView | undefined }[];
  traffic: VersionTraffic[];
  /** The sink publisher's counters; absent when the gateway writes no records. */
  sink?: SinkPublisherStats;
}

export function statusSnapshot(pool: RunnerPool, stats: GatewayStats, rollouts: () => readonly RolloutView[]): StatusSnapshot {
  const runners = pool.runners.map((runner) => ({
    address: runner.address,
    name: runner.status?.runner_name ?? '',
    device: runner.status?.device ?? '',
    healthy: runner.healthy,
    ready: runner.status?.ready ?? false,
    outstanding: runner.outstanding,
    models: (runner.status?.models ?? []).map(({ name, version, state }) => ({ name, version, state })),
  }));
  const versions = new Map<string, Map<string, { state: string; runners: number }>>();
  for (const runner of runners) {
    for (const model of runner.models) {
      const byVersion = versions.get(model.name) ?? new Map<string, { state: string; runners: number }>();
      const entry = byVersion.get(model.version) ?? { state: model.state, runners: 0 };
      if (model.state === 'READY' && runner.healthy) {
        entry.state = 'READY';
        entry.runners++;
      }
      byVersion.set(model.version, entry);
      versions.set(model.name, byVersion);
    }
  }
  const sink = stats.sink();
  const rolloutOf = new Map(rollouts().map((rollout) => [rollout.model, rollout]));
  return {
    version: INFERMESH_VERSION,
    generatedAt: new Date().toISOString(),
    runners,
    models: [...versions.keys()].sort().map((name) => ({
      name,
      versions: [...versions.get(name)!]
        .sort(([a], [b]) => Number(a) - Number(b))
        .map(([version, entry]) => ({ version, ...entry })),
      rollout: rolloutOf.get(name),
    })),
    traffic: stats.traffic(),
    ...(sink ? { sink } : {}),
  };
}
