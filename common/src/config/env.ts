/**
 * The one module that reads environment variables. Everything else takes typed config.
 * Each variable is documented in docs/configuration.md.
 */
import { isIP } from 'node:net';
import { ConfigError } from './ConfigError.js';

/** Environment overrides of the mesh config, already parsed. */
export interface EnvironmentOverrides {
  configFile?: string;
  dataDir?: string;
  logLevel?: string;
  runnerName?: string;
  runnerPort?: number;
  runnerDevice?: string;
  gatewayPort?: number;
  /** How the gateway forwards ModelInfer (INFERMESH_GATEWAY_FORWARDING). */
  gatewayForwarding?: 'grpc-js' | 'http2';
  /** How the gateway's http2 forwarding calls runners (INFERMESH_GATEWAY_RUNNER_CALLS). */
  gatewayRunnerCalls?: 'exchange' | 'streams';
  /** INFERMESH_GATEWAY_ACCESS_LOG=1 (or true): the gateway's access log on. */
  gatewayAccessLog?: boolean;
  /** Runner addresses (host:port) the gateway forwards to. */
  gatewayRunners?: string[];
  /** Where the registry listens (registry process). */
  registryPort?: number;
  /** The registry's host:port, for gateways, runners and the CLI. */
  registryAddress?: string;
  /** Where the sink listens (sink process). */
  sinkPort?: number;
  /** The sink's host:port, for gateways. */
  sinkAddress?: string;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: traces are exported (OTLP over HTTP) only when it is set. */
  otlpEndpoint?: string;
  /** OTEL_SDK_DISABLED=true turns tracing off entirely (no spans, no propagation). */
  tracingDisabled?: boolean;
  /** OTEL_TRACES_SAMPLER, when set: the SDK reads it (and its argument) itself. */
  tracesSampler?: string;
  /** INFERMESH_TOKEN: the bearer token the CLI sends, and services send to the registry (and sink sources to the gateway). */
  token?: string;
  /** INFERMESH_ADVERTISE_HOST: the host other processes dial to reach this one (a pod's IP) when it listens on 0.0.0.0. */
  advertiseHost?: string;
  /** INFERMESH_INSTANCE_NAME: this process's unique name (a pod's name); a runner registers under it. */
  instanceName?: string;
  /** CONSUL_HTTP_ADDR: the Consul agent's address, over `consul.address`. */
  consulAddress?: string;
  /** CONSUL_HTTP_TOKEN: the Consul ACL token, over `consul.token` and `consul.tokenFile`. */
  consulToken?: string;
  /** ETCD_ENDPOINTS: the etcd cluster's client URLs, comma-separated, over `etcd.endpoints`. */
  etcdEndpoints?: string[];
}

function port(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) {
    throw new ConfigError(`environment variable ${name}: expected a port number 0..65535, got '${value}'`);
  }
  return parsed;
}

function forwarding(value: string | undefined): 'grpc-js' | 'http2' | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'grpc-js' || value === 'http2') return value;
  throw new ConfigError(`environment variable INFERMESH_GATEWAY_FORWARDING: expected 'grpc-js' or 'http2', got '${value}'`);
}

function runnerCalls(value: string | undefined): 'exchange' | 'streams' | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'exchange' || value === 'streams') return value;
  throw new ConfigError(`environment variable INFERMESH_GATEWAY_RUNNER_CALLS: expected 'exchange' or 'streams', got '${value}'`);
}

/** `1`/`true` or `0`/`false`, in any case. */
function onOff(name: string, value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  const lower = value.toLowerCase();
  if (lower === '1' || lower === 'true') return true;
  if (lower === '0' || lower === 'false') return false;
  throw new ConfigError(`environment variable ${name}: expected 1, true, 0 or false, got '${value}'`);
}

function text(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** A host name, without a port (IP addresses are checked by `isIP`). */
const HOST_NAME = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const HOST = { test: (value: string) => isIP(value) !== 0 || HOST_NAME.test(value) };
/** A pod's name fits it, and so does a runner name the registry accepts. */
const INSTANCE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

function matching(name: string, value: string | undefined, rule: { test(value: string): boolean }, expected: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (rule.test(value)) return value;
  throw new ConfigError(`environment variable ${name}: expected ${expected}, got '${value.slice(0, 300)}'`);
}

/**
 * Reads the INFERMESH_* overrides from `env` (the process environment by default). A value
 * that cannot be used throws a ConfigError naming the variable.
 */
export function readEnvironment(env: NodeJS.ProcessEnv = process.env): EnvironmentOverrides {
  const overrides: EnvironmentOverrides = {};
  const set = <K extends keyof EnvironmentOverrides>(key: K, value: EnvironmentOverrides[K] | undefined) => {
    if (value !== undefined) overrides[key] = value;
  };
  set('configFile', text(env.INFERMESH_CONFIG));
  set('dataDir', text(env.INFERMESH_DATA_DIR));
  set('logLevel', text(env.INFERMESH_LOG_LEVEL));
  set('runnerName', text(env.INFERMESH_RUNNER_NAME));
  set('runnerPort', port('INFERMESH_RUNNER_PORT', env.INFERMESH_RUNNER_PORT));
  set('runnerDevice', text(env.INFERMESH_RUNNER_DEVICE));
  set('gatewayPort', port('INFERMESH_GATEWAY_PORT', env.INFERMESH_GATEWAY_PORT));
  set('gatewayForwarding', forwarding(env.INFERMESH_GATEWAY_FORWARDING));
  set('gatewayRunnerCalls', runnerCalls(env.INFERMESH_GATEWAY_RUNNER_CALLS));
  set('gatewayAccessLog', onOff('INFERMESH_GATEWAY_ACCESS_LOG', env.INFERMESH_GATEWAY_ACCESS_LOG));
  set('registryPort', port('INFERMESH_REGISTRY_PORT', env.INFERMESH_REGISTRY_PORT));
  set('registryAddress', text(env.INFERMESH_REGISTRY_ADDRESS));
  set('sinkPort', port('INFERMESH_SINK_PORT', env.INFERMESH_SINK_PORT));
  set('sinkAddress', text(env.INFERMESH_SINK_ADDRESS));
  set('otlpEndpoint', text(env.OTEL_EXPORTER_OTLP_ENDPOINT) ?? text(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT));
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') overrides.tracingDisabled = true;
  set('tracesSampler', text(env.OTEL_TRACES_SAMPLER));
  set('token', text(env.INFERMESH_TOKEN)?.trim());
  set('advertiseHost', matching('INFERMESH_ADVERTISE_HOST', env.INFERMESH_ADVERTISE_HOST, HOST, 'a host name or an IP address without a port'));
  set('instanceName', matching('INFERMESH_INSTANCE_NAME', env.INFERMESH_INSTANCE_NAME, INSTANCE_NAME, 'lowercase letters, digits and dashes, at most 63'));
  set('consulAddress', text(env.CONSUL_HTTP_ADDR)?.trim());
  set('consulToken', text(env.CONSUL_HTTP_TOKEN)?.trim());
  set('etcdEndpoints', text(env.ETCD_ENDPOINTS)?.split(',').map((entry) => entry.trim()).filter(Boolean));
  const runners = text(env.INFERMESH_GATEWAY_RUNNERS);
  set('gatewayRunners', runners?.split(',').map((entry) => entry.trim()).filter(Boolean));
  return overrides;
}

/**
 * True when tests must fail, not skip, if a service they need (PostgreSQL, python3-grpcio…)
 * is missing. `.ci/run` sets INFERMESH_REQUIRE_SERVICES=1.
 */
export function servicesRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.INFERMESH_REQUIRE_SERVICES === '1';
}

/**
 * Set to `1` by `spawnService` on each child, whose stdin is then a pipe from the parent: the
 * child's `runService` stops when that pipe closes, so no service outlives its parent.
 */
export const EXIT_WITH_PARENT_VARIABLE = 'INFERMESH_EXIT_WITH_PARENT';

/** Whether this process must stop when its parent dies (see {@link EXIT_WITH_PARENT_VARIABLE}). */
export function exitsWithParent(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[EXIT_WITH_PARENT_VARIABLE] === '1';
}
