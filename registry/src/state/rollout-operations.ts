/**
 * The operations on a model's rollout: set, promote, roll back, retire a version. Each checks
 * its preconditions, changes the model record in place (a draft the registry saves) and
 * appends an event to the model's history.
 */
import { POLICY_LIMITS, PROMOTION_LIMITS, ServiceError, type Range } from '@infermesh/common';
import { signatureDifference } from '../versions/signature-difference.js';
import { checkHeaderKey, checkLength, MAX_RULE_VALUE_CHARS, MAX_RULES } from './checks.js';
import {
  versionLabel,
  type HeaderRuleRecord,
  type ModelRecord,
  type PolicyRecord,
  type PromotionRecord,
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
export type RolloutChange = Partial<
  Pick<RolloutRecord, 'stableVersion' | 'canaryVersion' | 'canaryWeightBp' | 'rules' | 'stickyHeader' | 'policy' | 'shadowVersion' | 'shadowShareBp' | 'promotion'>
>;

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

function checkPromotion(policy: PromotionRecord): void {
  const bad = (field: string, range: string, value: number) =>
    ServiceError.invalidArgument(`promotion.${field}: expected ${range}, got ${value}`);
  const { maxErrorRate, maxP99Ratio, windowMs } = POLICY_LIMITS;
  const { minCalls, minAgreement } = PROMOTION_LIMITS;
  if (!within(policy.minCalls, minCalls)) throw bad('min_calls', `${minCalls.min}..${minCalls.max}`, policy.minCalls);
  if (!within(policy.minAgreement, minAgreement)) throw bad('min_agreement', `${minAgreement.min}..${minAgreement.max}`, policy.minAgreement);
  if (!within(policy.maxErrorRate, maxErrorRate)) throw bad('max_error_rate', `${maxErrorRate.min}..${maxErrorRate.max}`, policy.maxErrorRate);
  if (!within(policy.maxP99Ratio, maxP99Ratio)) throw bad('max_p99_ratio', `0 (off) or a ratio up to ${maxP99Ratio.max}`, policy.maxP99Ratio);
  if (!within(policy.windowMs, windowMs)) throw bad('window_ms', `${windowMs.min}..${windowMs.max}`, policy.windowMs);
}

/**
 * A shadow version must answer what the stable version is asked, with the same outputs, so
 * its answers can be compared: the same signature, with no `force` to get round it.
 */
function checkShadow(model: ModelRecord, next: RolloutRecord): void {
  if (!Number.isInteger(next.shadowShareBp) || next.shadowShareBp < 0 || next.shadowShareBp > 10_000) {
    throw ServiceError.invalidArgument(`shadow_share_bp: expected 0..10000 basis points, got ${next.shadowShareBp}`);
  }
  if (next.shadowVersion === 0) return;
  usableVersion(model, next.shadowVersion, 'shadow_version');
  if (next.shadowVersion === next.stableVersion) throw ServiceError.invalidArgument(`shadow_version: version ${next.shadowVersion} is the stable version`);
  if (next.stableVersion === 0) throw ServiceError.failedPrecondition(`shadow_version: model '${model.name}' has no stable version to shadow yet`);
  const difference = signatureDifference(findVersion(model, next.stableVersion), findVersion(model, next.shadowVersion));
  if (difference) {
    throw ServiceError.failedPrecondition(
      `shadow_version: the signature of ${versionLabel(model.name, next.shadowVersion)} is not the stable version ${next.stableVersion}'s: ${difference}; ` +
        'a shadow must take the same requests and answer the same outputs to be compared',
    );
  }
}

function record(model: ModelRecord, action: RolloutAction, version: number, context: OperationContext, evidence = ''): void {
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
    ...(evidence ? { evidence } : {}),
    ...(rollout.shadowVersion > 0 ? { shadowVersion: rollout.shadowVersion, shadowShareBp: rollout.shadowShareBp } : {}),
  });
  if (model.history.length > context.historyLimit) model.history.splice(0, model.history.length - context.historyLimit);
  // A refused promotion changes nothing of the rollout; it is only on the record.
  if (action === 'PROMOTE_REFUSED') return;
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
  if (next.shadowVersion === 0) next.shadowShareBp = 0;

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
  checkShadow(model, next);
  checkPromotion(next.promotion);

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

/** The version Promote would make stable: the canary, or else the shadow; 0 when neither. */
export function promotionCandidate(rollout: RolloutRecord): number {
  return rollout.canaryVersion || rollout.shadowVersion;
}

/**
 * Promote: the canary (or, without one, the shadow version) becomes the stable version. It
 * must be ready somewhere. `evidence` is what a promotion policy judged it by, for the record.
 */
export function promote(model: ModelRecord, context: OperationContext, action: 'PROMOTE' | 'AUTO_PROMOTE' = 'PROMOTE', evidence = '', expected?: number): void {
  const { rollout } = model;
  const candidate = promotionCandidate(rollout);
  if (candidate === 0) throw ServiceError.failedPrecondition(`model '${model.name}' has no canary or shadow version to promote`);
  if (expected !== undefined && expected !== candidate) {
    throw ServiceError.failedPrecondition(`model '${model.name}' candidate is version ${candidate} now, not ${expected}`);
  }
  const kind = rollout.canaryVersion > 0 ? 'canary' : 'shadow';
  if (!context.isReady(model.name, candidate)) {
    throw ServiceError.failedPrecondition(`model '${model.name}' ${kind} version ${candidate} is not ready on any runner yet; wait for it to load`);
  }
  rollout.stableVersion = candidate;
  rollout.canaryVersion = 0;
  rollout.canaryWeightBp = 0;
  // A shadow of the new stable version would only compare it with itself.
  if (rollout.shadowVersion === candidate) {
    rollout.shadowVersion = 0;
    rollout.shadowShareBp = 0;
  }
  record(model, action, candidate, context, evidence);
}

/** A Promote the policy refused goes on the record with its reason and numbers; the rollout stays. */
export function refusePromotion(model: ModelRecord, context: OperationContext, evidence: string): void {
  record(model, 'PROMOTE_REFUSED', promotionCandidate(model.rollout), context, evidence);
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
  model.rollout = { ...rollout, stableVersion: 0, canaryVersion: 0, canaryWeightBp: 0, rules: [], stickyHeader: '', shadowVersion: 0, shadowShareBp: 0 };
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
  if (rollout.shadowVersion === versionNumber) throw ServiceError.failedPrecondition(`${label} is the shadow version; set another shadow or none first`);
  if (rollout.rules.some((rule) => rule.version === versionNumber)) {
    throw ServiceError.failedPrecondition(`${label} is pinned by a header rule; change the rules first`);
  }
  version.status = 'retired';
  version.statusReason = context.reason;
  record(model, 'RETIRE', versionNumber, context);
  return version;
}
