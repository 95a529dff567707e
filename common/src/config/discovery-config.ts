/**
 * The mesh config's `discovery:` section: how services find each other.
 *
 * - `registry` (the default, today's behaviour): runners register with the registry at
 *   INFERMESH_REGISTRY_ADDRESS and gateways follow its routes; without that variable a gateway
 *   routes to its static runner list.
 * - `static`: no registry at all, even when INFERMESH_REGISTRY_ADDRESS is set: gateways route to
 *   `gateway.runners` (else every `runners[]` entry) and runners register with nobody.
 * - `consul`: every service registers itself in the Consul agent with a gRPC health check, and
 *   finds the others through Consul's health queries (`consul:///<service>` targets).
 * - `etcd`: every service puts `<etcd.prefix>/services/<service>/<instance>` under a lease it
 *   keeps alive, and finds the others by watching that prefix (`etcd:///<service>` targets).
 */
import { z } from 'zod';
import type { ConsulConfig } from './consul-config.js';
import type { EtcdConfig } from './etcd-config.js';

/** Service names: lowercase letters, digits and dashes, as DNS labels (and Consul service names) are. */
const serviceName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'expected a service name: lowercase letters, digits and dashes, at most 63');

/** The service name each kind of service registers under and is found by. */
const serviceNamesSchema = z
  .object({
    registry: serviceName.default('infermesh-registry'),
    runner: serviceName.default('infermesh-runner'),
    gateway: serviceName.default('infermesh-gateway'),
    sink: serviceName.default('infermesh-sink'),
  })
  .strict();

/** `discovery.type: consul` and its keys, with defaults. */
export const consulDiscoverySchema = z
  .object({
    type: z.literal('consul'),
    services: serviceNamesSchema.prefault({}),
    /** How often the Consul agent calls each service's grpc.health.v1 Check. */
    checkIntervalMs: z.number().int().min(100).max(3_600_000).default(2_000),
    /** Deadline of one health check; past it the check fails. */
    checkTimeoutMs: z.number().int().min(100).max(600_000).default(1_000),
    /** An instance critical for this long is removed from the catalog (Consul's minimum is one minute). */
    deregisterCriticalAfterMs: z.number().int().min(60_000).max(7 * 24 * 3_600_000).default(600_000),
    /** Longest wait of one blocking health query (Consul caps it at 10 minutes). */
    blockingWaitMs: z.number().int().min(1_000).max(600_000).default(30_000),
    /** First wait after a failed query; it doubles on each failure in a row, up to `backoffMaxMs`. */
    backoffInitialMs: z.number().int().min(10).max(60_000).default(200),
    backoffMaxMs: z.number().int().min(100).max(600_000).default(10_000),
    /**
     * Envoy's panic threshold: when fewer than this share of the runners that heartbeat pass
     * their checks, the checks are more likely wrong than the runners (a starved or cut-off
     * agent), and the registry goes by heartbeat leases instead until enough pass again. 0: never.
     */
    panicThreshold: z.number().min(0).max(1).default(0.5),
    /** Extra tags on every registration, e.g. the cluster's name. */
    tags: z.array(z.string().min(1).max(128)).max(32).default([]),
  })
  .strict()
  .refine((config) => config.checkTimeoutMs <= config.checkIntervalMs, { message: 'checkTimeoutMs must not exceed checkIntervalMs', path: ['checkTimeoutMs'] })
  .refine((config) => config.backoffInitialMs <= config.backoffMaxMs, { message: 'backoffInitialMs must not exceed backoffMaxMs', path: ['backoffInitialMs'] });

/**
 * `discovery.type: etcd` and its keys, with defaults. The mesh's `etcd:` section says how to
 * reach etcd, and its `prefix` where: instances live under `<prefix>/services/<service>/<instance>`.
 */
export const etcdDiscoverySchema = z
  .object({
    type: z.literal('etcd'),
    services: serviceNamesSchema.prefault({}),
    /** TTL of each instance's lease (etcd counts whole seconds): a process that dies leaves within it. */
    leaseTtlSeconds: z.number().int().min(1).max(3_600).default(10),
    /** First wait after a failed registration or read; it doubles on each failure in a row, up to `backoffMaxMs`. */
    backoffInitialMs: z.number().int().min(10).max(60_000).default(200),
    backoffMaxMs: z.number().int().min(100).max(600_000).default(5_000),
    /** As with Consul: below this share of heartbeating runners holding a key, the registry goes by heartbeats. 0: never. */
    panicThreshold: z.number().min(0).max(1).default(0.5),
    /** Extra tags on every instance, e.g. the cluster's name. */
    tags: z.array(z.string().min(1).max(128)).max(32).default([]),
  })
  .strict()
  .refine((config) => config.backoffInitialMs <= config.backoffMaxMs, { message: 'backoffInitialMs must not exceed backoffMaxMs', path: ['backoffInitialMs'] });

/** The `discovery:` keys; absent means `{ type: registry }`. */
export const discoverySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('registry') }).strict(),
  z.object({ type: z.literal('static') }).strict(),
  consulDiscoverySchema,
  etcdDiscoverySchema,
]);

/** The validated `discovery:` section. */
export type DiscoveryConfig = z.infer<typeof discoverySchema>;
/** `discovery:` when its type is `consul`. */
export type ConsulDiscoveryConfig = z.infer<typeof consulDiscoverySchema>;
/** `discovery:` when its type is `etcd`. */
export type EtcdDiscoveryConfig = z.infer<typeof etcdDiscoverySchema>;
/** `discovery:` when a backend lists the services (`consul` or `etcd`). */
export type BackendDiscoveryConfig = ConsulDiscoveryConfig | EtcdDiscoveryConfig;
/** The kinds of service, each under its own service name. */
export type ServiceKind = keyof BackendDiscoveryConfig['services'];

/** The grpc-js target that finds `service` through Consul (see the `consul:` resolver). */
export function consulTarget(service: string): string {
  return `consul:///${service}`;
}

/** The grpc-js target that finds `kind`'s service through the backend of `config` (`consul:///…`, `etcd:///…`). */
export function discoveredTarget(config: BackendDiscoveryConfig, kind: ServiceKind): string {
  return `${config.type}:///${config.services[kind]}`;
}

/** How a service is found and finds the others: `discovery:` with this process's identity. */
export interface DiscoverySettings {
  config: DiscoveryConfig;
  /** INFERMESH_ADVERTISE_HOST: the host others dial (a pod's IP), when the service listens on a wildcard address. */
  advertiseHost?: string;
  /** INFERMESH_INSTANCE_NAME: the process's unique name (a pod's name). */
  instanceName?: string;
  /** The mesh's `consul:` (with CONSUL_HTTP_ADDR / CONSUL_HTTP_TOKEN); absent: Consul's defaults (127.0.0.1:8500, no token). */
  consul?: ConsulConfig;
  /** The mesh's `etcd:` (with ETCD_ENDPOINTS), paths absolute; absent when the mesh has none. */
  etcd?: EtcdConfig;
}

/**
 * Where a service finds the registry: nowhere with `static`; INFERMESH_REGISTRY_ADDRESS with
 * `registry` (none without it, so a gateway routes statically, as before `discovery:` existed);
 * with `consul` or `etcd`, that variable if set, else the registry's service in the backend.
 */
export function registryTargetOf(config: DiscoveryConfig, registryAddress: string | undefined): string | undefined {
  if (config.type === 'static') return undefined;
  if (config.type === 'registry') return registryAddress;
  return registryAddress ?? discoveredTarget(config, 'registry');
}

/** With `consul` or `etcd`, the backend's target of `kind`'s service; otherwise `fallback`. */
export function discoveredTargetOr(config: DiscoveryConfig, kind: ServiceKind, fallback: string): string {
  return config.type === 'consul' || config.type === 'etcd' ? discoveredTarget(config, kind) : fallback;
}
