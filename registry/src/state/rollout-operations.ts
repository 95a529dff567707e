/**
 * The operations on a model's rollout: set, promote, roll back, retire a version. Each checks
 * its preconditions, changes the model record in place (a draft the registry saves) and
 * appends an event to the model's history.
 */
import { POLICY_LIMITS, ServiceError, type Range } from '@infermesh/common';
import { signatureDifference } from '../versions/signature-difference.js';
import { checkHeaderKey, checkLength, MAX_RULE_VALUE_CHARS, MAX_RULES } from './checks.js';
import {
  versionLabel,
  type HeaderRuleRecord,
  type ModelRecord,
  type PolicyRecord,
  type RolloutAction,
  type RolloutRecord,
  type VersionRecord,
} from './registry-state.js';
import { versionsInUse } from './rollout-use.js';

/** Who does an operation and what the registry knows about readiness at that moment. */
export interface OperationContext {
  nowMs: number;
  actor: string;
  reason: string;
  /** Events kept per model. */
  historyLimit: number;
  /** True when a live runner has this version of the model ready. */
  isReady(model: string, version: number): boolean;
}

/** The rollout fields a SetRollout changes; absent ones stay as they are. */
export type RolloutChange = Partial<Pick<RolloutRecord, 'stableVersion' | 'canaryVersion' | 'canaryWeightBp' | 'rules' | 'stickyHeader' | 'policy'>>;

/** The version of a model, NOT_FOUND naming the versions there are. */
export function findVersion(model: ModelRecord, version: number): VersionRecord {
  const found = model.versions.find((v) => v.version === version);
  if (!found) {
    const versions = model.versions.map((v) => v.version).join(', ');
    throw ServiceError.notFound(`model '${model.name}' has no version ${version} (versions: ${versions || 'none'})`);
  }
  return found;
}

/** A version a rollout may use: registered and not retired. */
function usableVersion(model: ModelRecord, version: number, field: string): VersionRecord {
  const found = findVersion(model, version);
  if (found.status === 'retired') {
    throw ServiceError.failedPrecondition(`${field}: ${versionLabel(model.name, version)} is retired`);
  }
  return found;
}

function checkRule(model: ModelRecord, rule: HeaderRuleRecord, index: number): void {
  const field = `rules[${index}]`;
  checkHeaderKey(rule.header, `${field}.header`);
  checkLength(rule.value, MAX_RULE_VALUE_CHARS, `${field}.value`);
  if ((rule.version > 0) === rule.canary) {
    throw ServiceError.invalidArgument(`${field}: set either a version or canary, not ${rule.canary ? 'both' : 'neither'}`);
  }
  if (rule.version > 0) usableVersion(model, rule.version, `${field}.version`);
}

/** True for a number within `range`; false for NaN. */
const within = (value: number, range: Range) => value >= range.min && value <= range.max;

function checkPolicy(policy: PolicyRecord): void {
  const bad = (field: string, range: string, value: number) =>
    ServiceError.invalidArgument(`policy.${field}: expected ${range}, got ${value}`);
  const { maxErrorRate, maxP99Ratio, minRequests, windowMs } = POLICY_LIMITS;
  if (!within(policy.maxErrorRate, maxErrorRate)) throw bad('max_error_rate', `${maxErrorRate.min}..${maxErrorRate.max}`, policy.maxErrorRate);
  if (!within(policy.maxP99Ratio, maxP99Ratio)) throw bad('max_p99_ratio', `0 (off) or a ratio up to ${maxP99Ratio.max}`, policy.maxP99Ratio);
  if (!within(policy.minRequests, minRequests)) throw bad('min_requests', `${minRequests.min}..${minRequests.max}`, policy.minRequests);
  if (!within(policy.windowMs, windowMs)) throw bad('window_ms', `${windowMs.min}..${windowMs.max}`, policy.windowMs);
}

function record(model: ModelRecord, action: RolloutAction, version: number, context: OperationContext): void {
  const { rollout } = model;
  model.history.push({
    atMs: context.nowMs,
    actor: context.actor,
    action,
    reason: context.reason,
    stableVersion: rollout.stableVersion,
    canaryVersion: rollout.canaryVersion,
    canaryWeightBp: rollout.canaryWeightBp,
    version,
  });
  if (model.history.length > context.historyLimit) model.history.splice(0, model.history.length - context.historyLimit);
  rollout.updatedAtMs = context.nowMs;
  rollout.updatedBy = context.actor;
}

/**
 * FAILED_PRECONDITION unless version `next` takes the requests version `current` takes (see
 * signatureDifference); `force` sets it anyway.
 */
function checkCompatible(model: ModelRecord, current: number, next: number, field: string): void {
  const difference = signatureDifference(findVersion(model, current), findVersion(model, next));
  if (difference) {
    throw ServiceError.failedPrecondition(
      `${field}: the signature of ${versionLabel(model.name, next)} is not compatible with stable version ${current}'s: ${difference}; ` +
        'callers\' requests would fail. Set force (infermesh rollout set --force) to use it anyway',
    );
  }
}

/** How a SetRollout is applied. */
export interface SetOptions {
  /** Take a canary or a new stable version whose signature is not compatible with stable's. */
  force?: boolean;
}

/**
 * SetRollout. A canary, or a stable version that replaces another, must take the requests the
 * stable version takes unless `force` says otherwise. The stable version can only move to a version that is ready somewhere (make
 * it the canary first, then promote it), so that the calls it takes never find it loading;
 * a model's first stable version is the exception.
 */
export function setRollout(model: ModelRecord, change: RolloutChange, context: OperationContext, options: SetOptions = {}): void {
  const current = model.rollout;
  const next: RolloutRecord = { ...current, ...change };
  if (next.canaryVersion === 0) next.canaryWeightBp = 0;

  if (next.stableVersion !== current.stableVersion) {
    if (next.stableVersion === 0) throw ServiceError.invalidArgument('stable_version: a model that has a stable version keeps one; promote another instead');
    usableVersion(model, next.stableVersion, 'stable_version');
    if (current.stableVersion !== 0 && !options.force) checkCompatible(model, current.stableVersion, next.stableVersion, 'stable_version');
    if (current.stableVersion !== 0 && !context.isReady(model.name, next.stableVersion)) {
      throw ServiceError.failedPrecondition(
        `stable_version: ${versionLabel(model.name, next.stableVersion)} is not ready on any runner; ` +
          `make it the canary first (canary_version ${next.stableVersion}, weight 0), then promote it ` +
          `(infermesh rollout set ${model.name} --canary ${next.stableVersion} --weight 0; infermesh rollout promote ${model.name})`,
      );
    }
  }
  if (next.canaryVersion > 0) {
    usableVersion(model, next.canaryVersion, 'canary_version');
    if (next.canaryVersion === next.stableVersion) {
      throw ServiceError.invalidArgument(`canary_version: version ${next.canaryVersion} is the stable version`);
    }
    if (next.stableVersion === 0) throw ServiceError.failedPrecondition(`canary_version: model '${model.name}' has no stable version yet; make a version stable first (stable_version; infermesh rollout set ${model.name} --stable N)`);
    if (next.canaryVersion !== current.canaryVersion && !options.force) checkCompatible(model, next.stableVersion, next.canaryVersion, 'canary_version');
  }
  if (!Number.isInteger(next.canaryWeightBp) || next.canaryWeightBp < 0 || next.canaryWeightBp > 10_000) {
    throw ServiceError.invalidArgument(`canary_weight_bp: expected 0..10000 basis points, got ${next.canaryWeightBp}`);
  }
  if (next.rules.length > MAX_RULES) throw ServiceError.invalidArgument(`rules: ${next.rules.length} rules is over the limit of ${MAX_RULES}`);
  next.rules.forEach((rule, index) => checkRule(model, rule, index));
  if (next.stickyHeader !== '') checkHeaderKey(next.stickyHeader, 'sticky_header');
  checkPolicy(next.policy);

  model.rollout = next;
  // A failed version that a rollout takes up again gets another chance.
  for (const version of versionsInUse(next)) {
    const found = findVersion(model, version);
    if (found.status === 'failed') {
      found.status = 'registered';
      found.statusReason = '';
    }
  }
  record(model, 'SET', next.canaryVersion, context);
}

/** Promote: the canary becomes the stable version. It must be ready somewhere. */
export function promote(model: ModelRecord, context: OperationContext): void {
  const { rollout } = model;
  const canary = rollout.canaryVersion;
  if (canary === 0) throw ServiceError.failedPrecondition(`model '${model.name}' has no canary to promote`);
  if (!context.isReady(model.name, canary)) {
    throw ServiceError.failedPrecondition(`model '${model.name}' canary version ${canary} is not ready on any runner yet; wait for it to load`);
  }
  rollout.stableVersion = canary;
  rollout.canaryVersion = 0;
  rollout.canaryWeightBp = 0;
  record(model, 'PROMOTE', canary, context);
}

/**
 * Rollback: the canary gets no more traffic and is marked FAILED with the reason. `expected`
 * guards an automatic rollback against a canary that changed while it was being judged.
 */
export function rollback(model: ModelRecord, context: OperationContext, action: 'ROLLBACK' | 'AUTO_ROLLBACK' = 'ROLLBACK', expected?: number): void {
  const { rollout } = model;
  const canary = rollout.canaryVersion;
  if (canary === 0) throw ServiceError.failedPrecondition(`model '${model.name}' has no canary to roll back`);
  if (expected !== undefined && expected !== canary) {
    throw ServiceError.failedPrecondition(`model '${model.name}' canary is version ${canary} now, not ${expected}`);
  }
  const version = findVersion(model, canary);
  rollout.canaryVersion = 0;
  rollout.canaryWeightBp = 0;
  version.status = 'failed';
  version.statusReason = context.reason || `rolled back by ${context.actor}`;
  record(model, action, canary, context);
}

/**
 * Unload: no version of the model gets calls any more. The stable version is kept in the
 * history event, so `infermesh rollout history` says what served before.
 */
export function unload(model: ModelRecord, context: OperationContext): boolean {
  const { rollout } = model;
  if (versionsInUse(rollout).size === 0) return false;
  const stable = rollout.stableVersion;
  model.rollout = { ...rollout, stableVersion: 0, canaryVersion: 0, canaryWeightBp: 0, rules: [], stickyHeader: '' };
  record(model, 'UNLOAD', stable, context);
  return true;
}

/** Retire: a version no rollout uses leaves service for good. Retiring it again changes nothing. */
export function retire(model: ModelRecord, versionNumber: number, context: OperationContext): VersionRecord {
  const version = findVersion(model, versionNumber);
  if (version.status === 'retired') return version;
  const { rollout } = model;
  const label = versionLabel(model.name, versionNumber);
  if (rollout.stableVersion === versionNumber) throw ServiceError.failedPrecondition(`${label} is the stable version; promote another version first`);
  if (rollout.canaryVersion === versionNumber) throw ServiceError.failedPrecondition(`${label} is the canary; roll it back first`);
  if (rollout.rules.some((rule) => rule.version === versionNumber)) {
    throw ServiceError.failedPrecondition(`${label} is pinned by a header rule; change the rules first`);
  }
  version.status = 'retired';
  version.statusReason = context.reason;
  record(model, 'RETIRE', versionNumber, context);
  return version;
}
