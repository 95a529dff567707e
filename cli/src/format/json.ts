/**
 * The objects `-o json` prints: registry records in plain terms (statuses as lower-case
 * words, shares as percentages, times as ISO 8601 strings, 0 versions as null). These
 * shapes are the CLI's scripting interface: fields are added, never renamed or removed.
 */
import type { Model__Output, ModelVersion__Output, Rollout__Output, RolloutEvent__Output, Runner__Output, TensorSpec__Output } from '@infermesh/proto/registry';
import { statusName } from './describe.js';

/** An epoch-ms value from the wire as an ISO 8601 string; null for 0 (never). */
export const isoTime = (ms: string | number) => (Number(ms) > 0 ? new Date(Number(ms)).toISOString() : null);

const versionOrNull = (version: number) => (version > 0 ? version : null);

const tensorJson = (spec: TensorSpec__Output) => ({ name: spec.name, datatype: spec.datatype, shape: spec.shape.map(Number) });

/** The share of calls without a rule that `version` gets, in percent. */
function trafficPercent(rollout: Rollout__Output | null, version: number): number {
  if (!rollout) return 0;
  const canaryShare = rollout.canary_version > 0 ? rollout.canary_weight_bp : 0;
  if (version === rollout.canary_version) return canaryShare / 100;
  if (version === rollout.stable_version) return (10_000 - canaryShare) / 100;
  return 0;
}

export function rolloutJson(rollout: Rollout__Output | null) {
  const policy = rollout?.policy;
  const promotion = rollout?.promotion;
  return {
    stable_version: versionOrNull(rollout?.stable_version ?? 0),
    canary_version: versionOrNull(rollout?.canary_version ?? 0),
    canary_weight_percent: (rollout?.canary_weight_bp ?? 0) / 100,
    sticky_header: rollout?.sticky_header || null,
    rules: (rollout?.rules ?? []).map((rule) => ({
      header: rule.header,
      value: rule.value || null,
      version: rule.canary ? null : rule.version,
      canary: rule.canary,
    })),
    auto_rollback: policy
      ? {
          enabled: policy.enabled,
          max_error_rate_percent: policy.max_error_rate * 100,
          max_p99_ratio: policy.max_p99_ratio,
          min_requests: policy.min_requests,
          window_seconds: policy.window_ms / 1000,
        }
      : null,
    shadow_version: versionOrNull(rollout?.shadow_version ?? 0),
    shadow_share_percent: (rollout?.shadow_share_bp ?? 0) / 100,
    promotion: promotion
      ? {
          enabled: promotion.enabled,
          min_calls: promotion.min_calls,
          min_agreement_percent: promotion.min_agreement * 100,
          max_error_rate_percent: promotion.max_error_rate * 100,
          max_p99_ratio: promotion.max_p99_ratio,
          window_seconds: promotion.window_ms / 1000,
          auto_promote: promotion.auto_promote,
        }
      : null,
    updated_at: isoTime(rollout?.updated_at_ms ?? 0),
    updated_by: rollout?.updated_by || null,
  };
}

export function versionJson(model: Model__Output, v: ModelVersion__Output) {
  return {
    model: model.name,
    version: v.version,
    status: statusName(v.status),
    status_reason: v.status_reason || null,
    traffic_percent: trafficPercent(model.rollout, v.version),
    runners: v.runners,
    replicas: v.replicas,
    device: v.device,
    inputs: v.inputs.map(tensorJson),
    outputs: v.outputs.map(tensorJson),
    source: v.source,
    size_bytes: Number(v.size_bytes),
    sha256: v.sha256,
    created_at: isoTime(v.created_at_ms),
    created_by: v.created_by,
    labels: v.labels,
    config_yaml: v.config_yaml,
  };
}

export function modelJson(model: Model__Output) {
  return { name: model.name, rollout: rolloutJson(model.rollout), versions: model.versions.map((v) => versionJson(model, v)) };
}

export function runnerJson(runner: Runner__Output) {
  return {
    name: runner.name,
    address: runner.address,
    device: runner.device,
    live: runner.live,
    memory_bytes: Number(runner.memory_bytes),
    registered_at: isoTime(runner.registered_at_ms),
    versions: runner.versions.map((v) => ({ model: v.model, version: v.version, state: v.state.toLowerCase() })),
  };
}

export function eventJson(event: RolloutEvent__Output) {
  return {
    at: isoTime(event.at_ms),
    action: event.action,
    version: versionOrNull(event.version),
    actor: event.actor,
    stable_version: versionOrNull(event.stable_version),
    canary_version: versionOrNull(event.canary_version),
    canary_weight_percent: event.canary_weight_bp / 100,
    shadow_version: versionOrNull(event.shadow_version),
    shadow_share_percent: event.shadow_share_bp / 100,
    reason: event.reason || null,
    evidence: event.evidence || null,
  };
}
