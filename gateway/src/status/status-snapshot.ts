/**
 * What the status page shows (`/status.json`, and the HTML rendered from it): put together
 * from plain views of the runners, the traffic window, the rollouts and the registry and sink,
 * only when a page or the JSON is asked for.
 */
import { INFERMESH_VERSION } from '@infermesh/common';
import type { DiscoveryHealth } from '@infermesh/common/discovery';
import type { RolloutSummary } from '../Router.js';
import { canaryDistance, type CanaryDistance } from './canary-distance.js';
import type { VersionTraffic } from './GatewayStats.js';
import type { RegistryHealth } from './RegistryView.js';
import type { RunnerView } from './runner-view.js';
import type { SinkView } from './sink-view.js';
import type { ShadowSummary } from '../shadow/ShadowStats.js';
import { configuredShare, observedShares } from './version-shares.js';

/** A rollout as the page shows it: what the router follows (the registry's rollouts). */
export type RolloutView = RolloutSummary;

/** One version of a model. */
export interface VersionView {
  version: string;
  /** READY when a healthy runner has it ready, else the state a runner reports ('' when none has it). */
  state: string;
  /** Healthy runners that have it ready. */
  runners: number;
  /** 0..1, see version-shares.ts. */
  configuredShare: number | undefined;
  observedShare: number | undefined;
  /** Calls routed to it in the window. */
  calls: number;
}

export interface ModelView {
  name: string;
  versions: VersionView[];
  rollout: RolloutView | undefined;
  /** The canary beside its rollback policy; absent without a canary or a known policy. */
  canary?: CanaryDistance;
}

export interface StatusSnapshot {
  version: string;
  generatedAt: string;
  /** The span of `traffic` and of the observed shares. */
  windowSeconds: number;
  runners: RunnerView[];
  models: ModelView[];
  /** Per version: rate, error rate, p99 and per-second series over the window. */
  traffic: VersionTraffic[];
  /** Absent when the gateway routes to a static runner list. */
  registry?: RegistryHealth;
  /** Absent when the gateway writes no records. */
  sink?: SinkView;
  /** Calls copied to shadow versions; absent when there were none. */
  shadows?: ShadowView[];
  /** The discovery backend (Consul, etcd) and whether it can be reached; absent without one. */
  discovery?: DiscoveryHealth;
}

/** A shadow version as the status page shows it: its calls since the gateway started, and copies dropped for its model. */
export interface ShadowView extends ShadowSummary {
  dropped: number;
}

/** What a snapshot is made of. */
export interface SnapshotInput {
  runners: RunnerView[];
  traffic: VersionTraffic[];
  rollouts: readonly RolloutView[];
  registry?: RegistryHealth;
  sink?: SinkView;
  shadows?: ShadowView[];
  discovery?: DiscoveryHealth;
  now?: Date;
}

const WINDOW_SECONDS = 60;

export function statusSnapshot(input: SnapshotInput): StatusSnapshot {
  const versions = new Map<string, Map<string, { state: string; runners: number }>>();
  const versionOf = (model: string, version: string) => {
    const byVersion = versions.get(model) ?? new Map<string, { state: string; runners: number }>();
    versions.set(model, byVersion);
    const entry = byVersion.get(version) ?? { state: '', runners: 0 };
    byVersion.set(version, entry);
    return entry;
  };
  for (const runner of input.runners) {
    for (const model of runner.models) {
      const entry = versionOf(model.name, model.version);
      if (model.state === 'READY' && runner.healthy) {
        entry.state = 'READY';
        entry.runners++;
      } else if (entry.state !== 'READY') entry.state = model.state;
    }
  }
  // A version with calls in the window counts in the observed shares, loaded anywhere or not.
  for (const traffic of input.traffic) if (traffic.calls > 0) versionOf(traffic.model, traffic.version);
  const trafficOf = new Map(input.traffic.map((traffic) => [`${traffic.model}/${traffic.version}`, traffic]));
  const rolloutOf = new Map(input.rollouts.map((rollout) => [rollout.model, rollout]));
  const models = [...versions.keys()].sort().map((name): ModelView => {
    const rollout = rolloutOf.get(name);
    const entries = [...versions.get(name)!].sort(([a], [b]) => Number(a) - Number(b));
    const callsOf = (version: string) => trafficOf.get(`${name}/${version}`)?.calls ?? 0;
    const observed = observedShares(new Map(entries.map(([version]) => [version, callsOf(version)])));
    const model: ModelView = {
      name,
      versions: entries.map(([version, entry]) => ({
        version,
        ...entry,
        configuredShare: configuredShare(version, entries.length, rollout),
        observedShare: observed.get(version),
        calls: callsOf(version),
      })),
      rollout,
    };
    const policy = input.registry?.policies[name];
    if (rollout && rollout.canary !== '' && policy) {
      const window = (version: string) => trafficOf.get(`${name}/${version}`) ?? { calls: 0, serverErrors: 0, p99Ms: 0 };
      model.canary = canaryDistance({ version: rollout.canary, window: window(rollout.canary) }, { version: rollout.stable, window: window(rollout.stable) }, policy);
    }
    return model;
  });
  return {
    version: INFERMESH_VERSION,
    generatedAt: (input.now ?? new Date()).toISOString(),
    windowSeconds: WINDOW_SECONDS,
    runners: input.runners,
    models,
    traffic: input.traffic,
    ...(input.registry ? { registry: input.registry } : {}),
    ...(input.sink ? { sink: input.sink } : {}),
    ...(input.shadows && input.shadows.length > 0 ? { shadows: input.shadows } : {}),
    ...(input.discovery ? { discovery: input.discovery } : {}),
  };
}
