/** Conversions between the registry's records and its gRPC messages. */
import { ROLLOUT_FIELDS, ServiceError, type RolloutField } from '@infermesh/common';
import type {
  Model,
  ModelVersion,
  Rollout,
  Rollout__Output,
  RolloutEvent,
  Runner,
  VersionStatus,
} from '@infermesh/proto/registry';
import { readyRunners } from '../routing/route-table.js';
import type { ModelRecord, RolloutEventRecord, RolloutRecord, RunnerRecord, VersionRecord, VersionStatusName } from '../state/registry-state.js';
import type { RolloutChange } from '../state/rollout-operations.js';

const STATUS: Record<VersionStatusName, VersionStatus> = {
  registered: 'VERSION_STATUS_REGISTERED',
  loading: 'VERSION_STATUS_LOADING',
  ready: 'VERSION_STATUS_READY',
  serving: 'VERSION_STATUS_SERVING',
  retired: 'VERSION_STATUS_RETIRED',
  failed: 'VERSION_STATUS_FAILED',
};

/** A version, with the names of the live runners that have it ready. */
export function versionToProto(version: VersionRecord, live: readonly RunnerRecord[]): ModelVersion {
  return {
    model: version.model,
    version: version.version,
    source: version.source,
    artifact_path: version.artifactPath,
    sha256: version.sha256,
    size_bytes: version.sizeBytes,
    inputs: version.inputs,
    outputs: version.outputs,
    config_yaml: version.configYaml,
    labels: version.labels,
    replicas: version.replicas,
    device: version.device,
    created_at_ms: version.createdAtMs,
    created_by: version.createdBy,
    status: STATUS[version.status],
    status_reason: version.statusReason,
    runners: readyRunners(version, live).map((runner) => runner.name),
  };
}

export function rolloutToProto(rollout: RolloutRecord): Rollout {
  return {
    stable_version: rollout.stableVersion,
    canary_version: rollout.canaryVersion,
    canary_weight_bp: rollout.canaryWeightBp,
    rules: rollout.rules.map((rule) => ({ ...rule })),
    sticky_header: rollout.stickyHeader,
    policy: {
      enabled: rollout.policy.enabled,
      max_error_rate: rollout.policy.maxErrorRate,
      max_p99_ratio: rollout.policy.maxP99Ratio,
      min_requests: rollout.policy.minRequests,
      window_ms: rollout.policy.windowMs,
    },
    updated_at_ms: rollout.updatedAtMs,
    updated_by: rollout.updatedBy,
    shadow_version: rollout.shadowVersion,
    shadow_share_bp: rollout.shadowShareBp,
    promotion: {
      enabled: rollout.promotion.enabled,
      min_calls: rollout.promotion.minCalls,
      min_agreement: rollout.promotion.minAgreement,
      max_error_rate: rollout.promotion.maxErrorRate,
      max_p99_ratio: rollout.promotion.maxP99Ratio,
      window_ms: rollout.promotion.windowMs,
      auto_promote: rollout.promotion.autoPromote,
    },
  };
}

export function modelToProto(model: ModelRecord, live: readonly RunnerRecord[]): Model {
  return { name: model.name, versions: model.versions.map((v) => versionToProto(v, live)), rollout: rolloutToProto(model.rollout) };
}

export function eventToProto(event: RolloutEventRecord): RolloutEvent {
  return {
    at_ms: event.atMs,
    actor: event.actor,
    action: event.action,
    reason: event.reason,
    stable_version: event.stableVersion,
    canary_version: event.canaryVersion,
    canary_weight_bp: event.canaryWeightBp,
    version: event.version,
    evidence: event.evidence ?? '',
    shadow_version: event.shadowVersion ?? 0,
    shadow_share_bp: event.shadowShareBp ?? 0,
  };
}

export function runnerToProto(runner: RunnerRecord, live: boolean, leaseExpiresAtMs: number): Runner {
  return {
    name: runner.name,
    address: runner.address,
    device: runner.device,
    memory_bytes: runner.memoryBytes,
    live,
    lease_expires_at_ms: leaseExpiresAtMs,
    registered_at_ms: runner.registeredAtMs,
    versions: runner.versions.map((held) => ({ model: held.model, version: held.version, state: held.state })),
  };
}

/** The fields of a SetRollout request's rollout that `fields` names (all when empty). */
export function rolloutChangeFromProto(rollout: Rollout__Output | null, fields: readonly string[]): RolloutChange {
  if (!rollout) throw ServiceError.invalidArgument('rollout: required');
  for (const field of fields) {
    if (!(ROLLOUT_FIELDS as readonly string[]).includes(field)) {
      throw ServiceError.invalidArgument(`fields: '${field.slice(0, 100)}' is not a rollout field (${ROLLOUT_FIELDS.join(', ')})`);
    }
  }
  const wanted = (field: RolloutField) => fields.length === 0 || fields.includes(field);
  const change: RolloutChange = {};
  if (wanted('stable_version')) change.stableVersion = rollout.stable_version;
  if (wanted('canary_version')) change.canaryVersion = rollout.canary_version;
  if (wanted('canary_weight_bp')) change.canaryWeightBp = rollout.canary_weight_bp;
  if (wanted('rules')) change.rules = rollout.rules.map((rule) => ({ header: rule.header, value: rule.value, version: rule.version, canary: rule.canary }));
  if (wanted('sticky_header')) change.stickyHeader = rollout.sticky_header;
  // A message field has presence: with every field wanted, an absent policy stays as it is.
  if (wanted('policy') && !rollout.policy && fields.length > 0) throw ServiceError.invalidArgument('policy: required when `fields` names it');
  if (wanted('policy') && rollout.policy) {
    const policy = rollout.policy;
    change.policy = {
      enabled: policy.enabled,
      maxErrorRate: policy.max_error_rate,
      maxP99Ratio: policy.max_p99_ratio,
      minRequests: policy.min_requests,
      windowMs: policy.window_ms,
    };
  }
  if (wanted('shadow_version')) change.shadowVersion = rollout.shadow_version;
  if (wanted('shadow_share_bp')) change.shadowShareBp = rollout.shadow_share_bp;
  if (wanted('promotion') && !rollout.promotion && fields.length > 0) throw ServiceError.invalidArgument('promotion: required when `fields` names it');
  if (wanted('promotion') && rollout.promotion) {
    const promotion = rollout.promotion;
    change.promotion = {
      enabled: promotion.enabled,
      minCalls: promotion.min_calls,
      minAgreement: promotion.min_agreement,
      maxErrorRate: promotion.max_error_rate,
      maxP99Ratio: promotion.max_p99_ratio,
      windowMs: promotion.window_ms,
      autoPromote: promotion.auto_promote,
    };
  }
  return change;
}
