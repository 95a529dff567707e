/** The mesh config's `registry:` section; its errors name the key as `registry.<key>`. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { artifactStoreSchema } from './artifact-store-config.js';
import { ConfigError } from './ConfigError.js';
import { POLICY_LIMITS } from './policy-limits.js';

const GiB = 1024 ** 3;

const policySchema = z
  .object({
    /** Roll canaries back by themselves. */
    enabled: z.boolean().default(true),
    /** Largest share of canary calls that may fail, 0..1. */
    maxErrorRate: z.number().min(POLICY_LIMITS.maxErrorRate.min).max(POLICY_LIMITS.maxErrorRate.max).default(0.05),
    /** Largest canary p99 as a multiple of the stable version's; 0 = not checked. */
    maxP99Ratio: z.number().min(POLICY_LIMITS.maxP99Ratio.min).max(POLICY_LIMITS.maxP99Ratio.max).default(3),
    /** Canary calls in the window before it is judged. */
    minRequests: z.number().int().min(POLICY_LIMITS.minRequests.min).max(POLICY_LIMITS.minRequests.max).default(100),
    /** Sliding window of the judgement. */
    windowMs: z.number().int().min(POLICY_LIMITS.windowMs.min).max(POLICY_LIMITS.windowMs.max).default(60_000),
  })
  .strict();

/** `10.0.0.0/8` or `fd00::/8`: an address and a prefix length that fits its family. */
const cidr = z.string().refine((value) => {
  const [address, bits, ...rest] = value.split('/');
  const family = isIP(address ?? '');
  return rest.length === 0 && family !== 0 && bits !== undefined && /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}, 'must be an address range such as 10.0.0.0/8 or fd00::/8');

/** `https://models.example.com/onnx/`: an absolute http(s) URL. */
const urlPrefix = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
  } catch {
    return false;
  }
}, 'must be an absolute http(s) URL without credentials');

/**
 * Where RegisterVersion may take an artifact from. Uploads (PushVersion, what the CLI sends)
 * need none of it.
 */
const artifactsSchema = z
  .object({
    /**
     * Folders on the registry's machine whose files may be registered by path (relative to
     * dataDir). Absent: `<dataDir>/models` while the registry listens on loopback, none otherwise.
     */
    allowedDirs: z.array(z.string().min(1)).max(100).optional(),
    /** URLs must start with one of these; none by default, so the registry downloads nothing. */
    allowedUrlPrefixes: z.array(urlPrefix).max(100).default([]),
    /** Plain http URLs (and redirects to them); https only by default. */
    allowHttp: z.boolean().default(false),
    /**
     * Loopback, private, link-local and unspecified address ranges a download may still
     * connect to (each is refused otherwise), e.g. `10.1.2.0/24`.
     */
    allowedNetworks: z.array(cidr).max(100).default([]),
    /** Redirects a download follows, each checked like the URL itself. */
    maxRedirects: z.number().int().min(0).max(20).default(5),
    /** Where the artifact bytes are kept: the registry's data folder (`local`) or an S3-compatible bucket (`s3`). */
    store: artifactStoreSchema.prefault({ type: 'local' }),
  })
  .strict();

/** A Consul KV prefix: segments of letters, digits, `.`, `_` and `-`, no leading or trailing slash. */
const consulPrefix = z
  .string()
  .max(256)
  .regex(/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/, "must be a KV prefix such as 'infermesh/registry' (no leading or trailing slash)");

/**
 * Where the registry keeps its state: `file` (the embedded default, one registry per data
 * folder), `consul` (Consul KV under `prefix`, shared by several registry replicas; the
 * mesh's `consul:` section says how to reach the agent) or `etcd` (etcd under
 * `<etcd.prefix>/registry/`, shared by several replicas; the mesh's `etcd:` section says how
 * to reach the cluster).
 */
const storeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('file') }).strict(),
  z
    .object({
      type: z.literal('consul'),
      /** KV prefix of the state, its chunks and the placement leader lock. */
      prefix: consulPrefix.default('infermesh/registry'),
      /**
       * TTL of the replica's Consul session, which holds the placement leader lock: a replica
       * that dies hands placement over within it (Consul may take up to twice as long). Consul
       * refuses TTLs below its `session_ttl_min` (10 s by default).
       */
      sessionTtlSeconds: z.number().int().min(1).max(86_400).default(15),
    })
    .strict(),
  z
    .object({
      type: z.literal('etcd'),
      /**
       * TTL of the replica's etcd lease, which holds its placement leader candidacy and its
       * runners: a replica that dies hands placement over within it.
       */
      leaseTtlSeconds: z.number().int().min(1).max(86_400).default(15),
    })
    .strict(),
]);

/** The `registry:` keys, with defaults. */
export const registrySchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8003),
    /** Port of the registry's Prometheus /metrics on `host`; null (the default) serves none. The local mesh uses 8004. */
    metricsPort: z.number().int().min(0).max(65_535).nullable().default(null),
    /** A runner not heard from for this long leaves the routes; it heartbeats every third of it. */
    leaseMs: z.number().int().min(300).max(300_000).default(6_000),
    /** How often the registry asks each runner what it holds (and places versions). */
    runnerSyncMs: z.number().int().min(50).max(60_000).default(2_000),
    /** How long a version no rollout uses stays loaded before it is unloaded. */
    unloadDelayMs: z.number().int().min(0).max(3_600_000).default(10_000),
    /** How often gateways report per-version stats. */
    statsReportMs: z.number().int().min(50).max(60_000).default(1_000),
    /** Deadline of one RunnerControl.LoadModel. */
    loadTimeoutMs: z.number().int().min(1_000).max(3_600_000).default(600_000),
    /** After a failed load, how long before the same runner is asked again. */
    loadRetryMs: z.number().int().min(100).max(3_600_000).default(30_000),
    /** Largest artifact accepted (path, URL or upload). */
    maxArtifactBytes: z.number().int().min(1024).max(Number.MAX_SAFE_INTEGER).default(2 * GiB),
    /** Deadline of an artifact download. */
    downloadTimeoutMs: z.number().int().min(1_000).max(3_600_000).default(600_000),
    /** Replicas of a version registered without its own; 0 = every matching runner. */
    defaultReplicas: z.number().int().min(0).max(10_000).default(0),
    /** Rollout events kept per model. */
    historyLimit: z.number().int().min(10).max(100_000).default(1_000),
    /** Where artifacts may come from: folders for paths, URL prefixes and networks for downloads. */
    artifacts: artifactsSchema.prefault({}),
    store: storeSchema.prefault({ type: 'file' }),
    /** The automatic-rollback policy a model starts with. */
    rollbackPolicy: policySchema.prefault({}),
  })
  .strict();

/** The validated `registry:` section. */
export type RegistryConfig = z.infer<typeof registrySchema>;
/** `registry.artifacts` as configured. */
export type ArtifactSourcesConfig = RegistryConfig['artifacts'];
/** The automatic-rollback policy as configured. */
export type PolicyConfig = RegistryConfig['rollbackPolicy'];

/**
 * Validates the `registry:` section (absent means every default). A bad value throws a
 * ConfigError naming `registry.<key>` and the file.
 */
export function parseRegistryConfig(raw: unknown, source = 'mesh config'): RegistryConfig {
  const parsed = registrySchema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${['registry', ...issue.path].join('.')}: ${issue.message}`);
  throw new ConfigError(`config ${source}: ${problems.join('; ')}`);
}

/** host:port clients use to reach a registry configured like this (0.0.0.0 → 127.0.0.1). */
export function registryClientAddress(config: Pick<RegistryConfig, 'host' | 'port'>): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `${host}:${config.port}`;
}
