/**
 * The registry's durable state: models with their versions, rollouts and rollout history,
 * and the runners that joined. The store saves it whole; the schema checks it on load.
 */
import { z } from 'zod';

/** Where a version is in its life. */
export const VERSION_STATUSES = ['registered', 'loading', 'ready', 'serving', 'retired', 'failed'] as const;
/** One of {@link VERSION_STATUSES}. */
export type VersionStatusName = (typeof VERSION_STATUSES)[number];

/** What happened to a rollout. */
export const ROLLOUT_ACTIONS = ['SET', 'PROMOTE', 'PROMOTE_REFUSED', 'AUTO_PROMOTE', 'ROLLBACK', 'AUTO_ROLLBACK', 'RETIRE', 'UNLOAD'] as const;
/** One of {@link ROLLOUT_ACTIONS}. */
export type RolloutAction = (typeof ROLLOUT_ACTIONS)[number];

const tensorSpecSchema = z.object({ name: z.string(), datatype: z.string(), shape: z.array(z.number().int()) });

const versionSchema = z.object({
  model: z.string(),
  version: z.number().int().positive(),
  source: z.string(),
  artifactPath: z.string(),
  sha256: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  inputs: z.array(tensorSpecSchema),
  outputs: z.array(tensorSpecSchema),
  configYaml: z.string(),
  labels: z.record(z.string(), z.string()),
  replicas: z.number().int().nonnegative(),
  device: z.string(),
  createdAtMs: z.number(),
  createdBy: z.string(),
  status: z.enum(VERSION_STATUSES),
  statusReason: z.string(),
});

const headerRuleSchema = z.object({
  header: z.string(),
  value: z.string(),
  version: z.number().int().nonnegative(),
  canary: z.boolean(),
});

const policySchema = z.object({
  enabled: z.boolean(),
  maxErrorRate: z.number(),
  maxP99Ratio: z.number(),
  minRequests: z.number().int(),
  windowMs: z.number().int(),
});

/** What a candidate must show before it is promoted; off in states saved before it existed. */
const promotionSchema = z.object({
  enabled: z.boolean(),
  minCalls: z.number().int().nonnegative(),
  minAgreement: z.number(),
  maxErrorRate: z.number(),
  maxP99Ratio: z.number(),
  windowMs: z.number().int(),
  autoPromote: z.boolean(),
});

/** A promotion policy that asks for nothing. */
export const NO_PROMOTION_POLICY: PromotionRecord = Object.freeze({
  enabled: false,
  minCalls: 0,
  minAgreement: 0,
  maxErrorRate: 1,
  maxP99Ratio: 0,
  windowMs: 600_000,
  autoPromote: false,
});

const rolloutSchema = z.object({
  stableVersion: z.number().int().nonnegative(),
  canaryVersion: z.number().int().nonnegative(),
  canaryWeightBp: z.number().int().min(0).max(10_000),
  rules: z.array(headerRuleSchema),
  stickyHeader: z.string(),
  policy: policySchema,
  updatedAtMs: z.number(),
  updatedBy: z.string(),
  // Absent in states saved before shadows existed: no shadow, no promotion policy.
  shadowVersion: z.number().int().nonnegative().default(0),
  shadowShareBp: z.number().int().min(0).max(10_000).default(0),
  promotion: promotionSchema.default(() => ({ ...NO_PROMOTION_POLICY })),
});

const eventSchema = z.object({
  atMs: z.number(),
  actor: z.string(),
  action: z.enum(ROLLOUT_ACTIONS),
  reason: z.string(),
  stableVersion: z.number().int(),
  canaryVersion: z.number().int(),
  canaryWeightBp: z.number().int(),
  version: z.number().int(),
  // The numbers behind a promotion decision; absent for other events.
  evidence: z.string().optional(),
  shadowVersion: z.number().int().optional(),
  shadowShareBp: z.number().int().optional(),
});

const modelSchema = z.object({
  name: z.string(),
  versions: z.array(versionSchema),
  rollout: rolloutSchema,
  history: z.array(eventSchema),
});

const runnerVersionSchema = z.object({
  model: z.string(),
  version: z.number().int().positive(),
  state: z.string(),
  artifactPath: z.string(),
  /** The artifact's sha256 when the runner loaded it by hash (from its artifact cache). */
  sha256: z.string().optional(),
});

const runnerSchema = z.object({
  name: z.string(),
  address: z.string(),
  device: z.string(),
  memoryBytes: z.number().nonnegative(),
  version: z.string(),
  registeredAtMs: z.number(),
  versions: z.array(runnerVersionSchema),
});

/** Schema of the whole state, for checking what a store loads. */
export const registryStateSchema = z.object({
  models: z.record(z.string(), modelSchema),
  runners: z.record(z.string(), runnerSchema),
});

/** The registry's durable state. */
export type RegistryState = z.infer<typeof registryStateSchema>;
/** One model: versions (oldest first), rollout, history (oldest first). */
export type ModelRecord = z.infer<typeof modelSchema>;
/** One registered version. */
export type VersionRecord = z.infer<typeof versionSchema>;
/** One input or output of a version's signature. */
export type TensorSpecRecord = z.infer<typeof tensorSpecSchema>;
/** A model's rollout. */
export type RolloutRecord = z.infer<typeof rolloutSchema>;
/** A routing rule on a metadata header. */
export type HeaderRuleRecord = z.infer<typeof headerRuleSchema>;
/** An automatic-rollback policy. */
export type PolicyRecord = z.infer<typeof policySchema>;
/** A promotion policy. */
export type PromotionRecord = z.infer<typeof promotionSchema>;
/** One entry of a model's rollout history. */
export type RolloutEventRecord = z.infer<typeof eventSchema>;
/** A runner that joined. */
export type RunnerRecord = z.infer<typeof runnerSchema>;
/** A version a runner reported holding. */
export type RunnerVersionRecord = z.infer<typeof runnerVersionSchema>;

/**
 * True when what a runner holds is the version's artifact: the same sha256 when the runner
 * loaded it by hash, else the same path (a runner that loaded a file by path).
 */
export function holdsArtifactOf(held: RunnerVersionRecord, version: VersionRecord): boolean {
  return held.sha256 !== undefined ? held.sha256 === version.sha256 : held.artifactPath === version.artifactPath;
}

/** A state with nothing in it. */
export function emptyState(): RegistryState {
  return { models: {}, runners: {} };
}

/** `model 'mlp' version 2`: how the registry's messages name a version. */
export function versionLabel(model: string, version: number): string {
  return `model '${model}' version ${version}`;
}

/** The key of a model version in maps. */
export function versionKey(model: string, version: number): string {
  return `${model}\u0000${version}`;
}
