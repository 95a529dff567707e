/**
 * The registry's Prometheus metrics: versions per status, each model's rollout and where its
 * versions are placed, read from the committed state at each scrape; rollout changes by
 * action and rollbacks by reason, counted from the events this process commits.
 */
import { Counter, Gauge, type Registry as MetricsRegistry } from 'prom-client';
import { createMetricsRegistry } from '@infermesh/common';
import type { Membership } from '../placement/Membership.js';
import type { Registry } from '../Registry.js';
import { readyRunners } from '../routing/route-table.js';
import { VERSION_STATUSES, type RolloutEventRecord } from '../state/registry-state.js';
import { rollbackCause } from './judge-canary.js';

/** `manual` for a ROLLBACK someone asked for, else what the automatic one judged. */
function rollbackReason(event: RolloutEventRecord): string {
  return event.action === 'ROLLBACK' ? 'manual' : (rollbackCause(event.reason) ?? 'other');
}

export function createRegistryMetrics(registry: Registry, membership: Membership): MetricsRegistry {
  const metrics = createMetricsRegistry({ service: 'registry' });
  const models = () => Object.values(registry.current.models);
  new Gauge({
    name: 'infermesh_registry_versions',
    help: 'Model versions by status (registered, loading, ready, serving, retired, failed).',
    labelNames: ['model', 'status'],
    registers: [metrics],
    collect() {
      this.reset();
      for (const model of models()) {
        for (const status of VERSION_STATUSES) this.set({ model: model.name, status }, model.versions.filter((v) => v.status === status).length);
      }
    },
  });
  const rolloutGauge = (name: string, help: string, read: (rollout: (typeof registry.current.models)[string]['rollout']) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['model'],
      registers: [metrics],
      collect() {
        this.reset();
        for (const model of models()) this.set({ model: model.name }, read(model.rollout));
      },
    });
  rolloutGauge('infermesh_registry_rollout_stable_version', "The model's stable version (0: none yet).", (r) => r.stableVersion);
  rolloutGauge('infermesh_registry_rollout_canary_version', "The model's canary version (0: none).", (r) => r.canaryVersion);
  rolloutGauge('infermesh_registry_rollout_canary_weight_ratio', 'Share of calls without a rule the canary is configured to get, 0..1.', (r) =>
    r.canaryVersion > 0 ? r.canaryWeightBp / 10_000 : 0,
  );
  new Gauge({
    name: 'infermesh_registry_version_runners',
    help: 'Live runners holding the version ready (its placements), for versions not retired.',
    labelNames: ['model', 'version'],
    registers: [metrics],
    collect() {
      this.reset();
      const live = membership.live(registry.current.runners);
      for (const model of models()) {
        for (const version of model.versions) {
          if (version.status !== 'retired') this.set({ model: model.name, version: String(version.version) }, readyRunners(version, live).length);
        }
      }
    },
  });
  new Gauge({
    name: 'infermesh_registry_runners',
    help: 'Runners the registry knows, by state: live (lease running) or expired.',
    labelNames: ['state'],
    registers: [metrics],
    collect() {
      const known = Object.keys(registry.current.runners).length;
      const live = membership.live(registry.current.runners).length;
      this.set({ state: 'live' }, live);
      this.set({ state: 'expired' }, known - live);
    },
  });
  const events = new Counter({
    name: 'infermesh_registry_rollout_events_total',
    help: 'Rollout events committed since the registry started, by action (SET, PROMOTE, ROLLBACK, AUTO_ROLLBACK, RETIRE, UNLOAD).',
    labelNames: ['model', 'action'],
    registers: [metrics],
  });
  const rollbacks = new Counter({
    name: 'infermesh_registry_rollbacks_total',
    help: 'Canaries rolled back since the registry started, by reason: manual, or the policy limit an automatic one broke (error_rate, invalid_argument, p99_latency).',
    labelNames: ['model', 'reason'],
    registers: [metrics],
  });
  countNewEvents(registry, (model, event) => {
    events.inc({ model, action: event.action });
    if (event.action === 'ROLLBACK' || event.action === 'AUTO_ROLLBACK') rollbacks.inc({ model, reason: rollbackReason(event) });
  });
  return metrics;
}

/**
 * Calls `count` once for each rollout event committed from now on. Each model's history is
 * appended to (and trimmed from its start), so the new events are those after the newest one
 * seen before.
 */
function countNewEvents(registry: Registry, count: (model: string, event: RolloutEventRecord) => void): void {
  const newest = new Map<string, string>();
  const remember = () => {
    for (const model of Object.values(registry.current.models)) {
      const last = model.history.at(-1);
      if (last) newest.set(model.name, JSON.stringify(last));
    }
  };
  remember();
  registry.onChange(() => {
    for (const model of Object.values(registry.current.models)) {
      const seen = newest.get(model.name);
      let from = 0;
      for (let i = model.history.length - 1; i >= 0 && seen !== undefined; i--) {
        if (JSON.stringify(model.history[i]) === seen) {
          from = i + 1;
          break;
        }
      }
      for (const event of model.history.slice(from)) count(model.name, event);
    }
    remember();
  });
}
