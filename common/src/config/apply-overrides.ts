/** Environment overrides laid over a raw mesh config: the one place each INFERMESH_* value replaces a key. */
import type { EnvironmentOverrides } from './env.js';

type Section = Record<string, unknown>;

/**
 * A copy of `raw` with every override of `env` set on the key it replaces: INFERMESH_DATA_DIR,
 * _LOG_LEVEL, _GATEWAY_PORT, _GATEWAY_RUNNERS, _GATEWAY_FORWARDING, _GATEWAY_ACCESS_LOG, _REGISTRY_PORT, _SINK_PORT, and _RUNNER_PORT /
 * _RUNNER_DEVICE on the runner named by INFERMESH_RUNNER_NAME, and CONSUL_HTTP_ADDR / CONSUL_HTTP_TOKEN
 * on `consul.address` / `consul.token` (the token replaces `consul.tokenFile`), and ETCD_ENDPOINTS on `etcd.endpoints`. Addresses of other services
 * (INFERMESH_REGISTRY_ADDRESS, INFERMESH_SINK_ADDRESS) are no keys of the file; `resolveConfig`
 * applies them. Nothing is validated here.
 */
export function applyOverrides(raw: unknown, env: EnvironmentOverrides): Section {
  const merged = structuredClone((raw ?? {}) as Section);
  const section = (key: string) => ((merged[key] ??= {}) as Section);
  if (env.dataDir) merged.dataDir = env.dataDir;
  if (env.logLevel) section('log').level = env.logLevel;
  if (env.gatewayPort !== undefined) section('gateway').port = env.gatewayPort;
  if (env.gatewayRunners) section('gateway').runners = env.gatewayRunners;
  if (env.gatewayForwarding) section('gateway').forwarding = env.gatewayForwarding;
  if (env.gatewayRunnerCalls) section('gateway').runnerCalls = env.gatewayRunnerCalls;
  if (env.gatewayAccessLog !== undefined) section('gateway').accessLog = env.gatewayAccessLog;
  if (env.registryPort !== undefined) section('registry').port = env.registryPort;
  if (env.sinkPort !== undefined) section('sink').port = env.sinkPort;
  if (env.consulAddress) section('consul').address = env.consulAddress;
  if (env.consulToken) {
    section('consul').token = env.consulToken;
    delete section('consul').tokenFile;
  }
  if (env.etcdEndpoints && env.etcdEndpoints.length > 0) section('etcd').endpoints = env.etcdEndpoints;
  if (env.runnerName && Array.isArray(merged.runners)) {
    const runner = (merged.runners as Section[]).find((entry) => entry?.name === env.runnerName);
    if (runner && env.runnerPort !== undefined) runner.port = env.runnerPort;
    if (runner && env.runnerDevice) runner.device = env.runnerDevice;
  }
  return merged;
}
