/**
 * The one resolve step: a raw mesh config plus the environment overrides, validated against
 * the one schema, and each service's settings derived from it. Every override is applied
 * here exactly once; services take the section they need.
 */
import path from 'node:path';
import { applyOverrides } from './apply-overrides.js';
import { ConfigError } from './ConfigError.js';
import { discoveredTargetOr, registryTargetOf, type DiscoverySettings } from './discovery-config.js';
import type { EnvironmentOverrides } from './env.js';
import { meshConfigSchema, type MeshConfig } from './mesh-config.js';
import { resolveSinkConfig, type SinkConfig } from './resolve-sink-config.js';
import type { AuthConfig } from './auth-config.js';
import { withConsulPaths, type ConsulConfig } from './consul-config.js';
import { withEtcdPaths, type EtcdConfig } from './etcd-config.js';
import type { TlsConfig } from './tls-config.js';
import type { GatewaySettings, PublisherSettings, RegistrySettings, RunnerSettings } from './service-configs.js';

/** A mesh config resolved for every service. */
export interface ResolvedConfig {
  /** Names the config in messages: its file, or what the caller passed. */
  source: string;
  /** The environment overrides it was resolved with (telemetry reads its OTEL_* values). */
  env: EnvironmentOverrides;
  /** The validated file with the overrides applied; `dataDir` and each runner's `modelRepository` absolute. */
  mesh: MeshConfig;
  /** The runner named `name` (default INFERMESH_RUNNER_NAME, else the first runner), or undefined when there is none. */
  runner(name?: string): RunnerSettings | undefined;
  gateway: GatewaySettings;
  registry: RegistrySettings;
  sink: SinkConfig;
  /** The mesh's `tls`, paths absolute; absent when the mesh is plaintext. */
  tls?: TlsConfig;
  /** The mesh's `consul` (with CONSUL_HTTP_ADDR / CONSUL_HTTP_TOKEN), paths absolute; absent when nothing set it. */
  consul?: ConsulConfig;
  /** The mesh's `etcd` (with ETCD_ENDPOINTS), paths absolute; absent when nothing set it. */
  etcd?: EtcdConfig;
}

/** Where the file is resolved: `source` names it in messages, `cwd` anchors relative paths. */
export interface ResolveOptions {
  source?: string;
  cwd?: string;
}

function validate(merged: unknown, source: string): MeshConfig {
  const parsed = meshConfigSchema.safeParse(merged);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  throw new ConfigError(`config ${source}: ${problems.join('; ')}`);
}

function publisherOf(mesh: MeshConfig, env: EnvironmentOverrides, hasSink: boolean): PublisherSettings | undefined {
  if (!hasSink && env.sinkAddress === undefined) return undefined;
  const { address, ...publisher } = mesh.sink.publisher;
  const configured = address ?? discoveredTargetOr(mesh.discovery, 'sink', `${mesh.sink.host}:${mesh.sink.port}`);
  return { ...publisher, address: env.sinkAddress ?? configured, maxMessageBytes: mesh.limits.maxMessageBytes };
}

/** A tls section with its file paths made absolute against `cwd`. */
function withTls(config: TlsConfig | undefined, cwd: string): TlsConfig | undefined {
  if (!config) return undefined;
  const absolute = (file: string) => path.resolve(cwd, file);
  return { ...config, cert: absolute(config.cert), key: absolute(config.key), ...(config.ca === undefined ? {} : { ca: absolute(config.ca) }) };
}

/** An auth section with its file paths (token file, JWKS or key file; not URLs) made absolute against `cwd`. */
function withAuth(config: AuthConfig | undefined, cwd: string): AuthConfig | undefined {
  if (!config) return undefined;
  const file = (value: string) => (/^https?:\/\//.test(value) ? value : path.resolve(cwd, value));
  const { jwt } = config;
  return {
    ...config,
    ...(config.tokens === undefined ? {} : { tokens: file(config.tokens) }),
    ...(jwt ? { jwt: { ...jwt, ...(jwt.jwks === undefined ? {} : { jwks: file(jwt.jwks) }), ...(jwt.publicKey === undefined ? {} : { publicKey: file(jwt.publicKey) }) } } : {}),
  };
}

/**
 * Validates `raw` with `env`'s overrides applied (env > file > default) and resolves paths:
 * `dataDir` against `cwd`, each runner's `modelRepository` defaulting to `<dataDir>/models`.
 * A bad config throws a ConfigError naming the source and each key at fault.
 */
export function resolveConfig(raw: unknown, env: EnvironmentOverrides = {}, options: ResolveOptions = {}): ResolvedConfig {
  const source = options.source ?? 'mesh config';
  const cwd = options.cwd ?? process.cwd();
  // A gateway publishes only to a sink the mesh has; the sink section's defaults alone do not make one.
  const hasSink = (raw as { sink?: unknown } | null | undefined)?.sink !== undefined;
  const mesh = validate(applyOverrides(raw, env), source);
  mesh.dataDir = path.resolve(cwd, mesh.dataDir);
  for (const runner of mesh.runners) {
    runner.modelRepository = path.resolve(cwd, runner.modelRepository ?? path.join(mesh.dataDir, 'models'));
  }
  const { limits } = mesh;
  const tls = withTls(mesh.tls, cwd);
  const publicTls = withTls(mesh.gateway.tls, cwd) ?? tls;
  const auth = withAuth(mesh.auth, cwd);
  const consul = withConsulPaths(mesh.consul, cwd);
  const etcd = withEtcdPaths(mesh.etcd, cwd);
  const registryTarget = registryTargetOf(mesh.discovery, env.registryAddress);
  const registry = registryTarget ? { registry: registryTarget } : {};
  const discovery: { discovery: DiscoverySettings } = {
    discovery: {
      config: mesh.discovery,
      ...(env.advertiseHost === undefined ? {} : { advertiseHost: env.advertiseHost }),
      ...(env.instanceName === undefined ? {} : { instanceName: env.instanceName }),
      ...(consul ? { consul } : {}),
      ...(etcd ? { etcd } : {}),
    },
  };
  const sink = resolveSinkConfig(mesh.sink, {
    dataDir: mesh.dataDir,
    gateway: discoveredTargetOr(mesh.discovery, 'gateway', `${mesh.gateway.host}:${mesh.gateway.port}`),
    maxMessageBytes: limits.maxMessageBytes,
    maxConcurrentStreams: limits.maxConcurrentStreams,
    requestLimits: limits,
    logLevel: mesh.log.level,
    source,
  });
  if (tls) sink.tls = tls;
  Object.assign(sink, discovery);
  const token = env.token === undefined ? {} : { token: env.token };
  Object.assign(sink, token);
  const publisher = publisherOf(mesh, env, hasSink);
  return {
    source,
    env,
    mesh,
    runner(name = env.runnerName) {
      const entry = name ? mesh.runners.find((r) => r.name === name) : mesh.runners[0];
      if (!entry) return undefined;
      return {
        // A Deployment's replicas share one entry; each registers under its pod's name.
        name: env.instanceName ?? entry.name,
        device: entry.device,
        host: entry.host,
        port: entry.port,
        modelRepository: entry.modelRepository!,
        dataDir: mesh.dataDir,
        intraOpThreads: entry.intraOpThreads,
        maxMessageBytes: limits.maxMessageBytes,
        maxTensorElements: limits.maxTensorElements,
        requestLimits: limits,
        maxConcurrentStreams: limits.maxConcurrentStreams,
        server: entry.server,
        metricsPort: entry.metricsPort,
        artifactCache: {
          dir: path.resolve(mesh.dataDir, entry.artifactCache.dir ?? `runner-${entry.name}/artifact-cache`),
          maxBytes: entry.artifactCache.maxBytes,
        },
        responseCacheBytes: entry.responseCacheBytes,
        ...registry,
        ...(tls ? { tls } : {}),
        ...token,
        ...discovery,
      };
    },
    gateway: {
      host: mesh.gateway.host,
      port: mesh.gateway.port,
      httpPort: mesh.gateway.httpPort,
      runners: mesh.gateway.runners ?? mesh.runners.map((r) => `${r.host}:${r.port}`),
      runnerRefreshMs: mesh.gateway.runnerRefreshMs,
      runnerKeepaliveMs: mesh.gateway.runnerKeepaliveMs,
      retry: mesh.gateway.retry,
      forwarding: mesh.gateway.forwarding,
      runnerCalls: mesh.gateway.runnerCalls,
      passThroughHeaders: mesh.gateway.passThroughHeaders,
      accessLog: mesh.gateway.accessLog,
      shadow: mesh.gateway.shadow,
      maxMessageBytes: limits.maxMessageBytes,
      maxConcurrentStreams: limits.maxConcurrentStreams,
      streamIdleTimeoutMs: limits.streamIdleTimeoutMs,
      ...registry,
      ...(publisher ? { publisher } : {}),
      ...(tls ? { tls } : {}),
      ...(publicTls ? { publicTls } : {}),
      ...(auth ? { auth } : {}),
      ...token,
      ...discovery,
    },
    ...(tls ? { tls } : {}),
    ...(consul ? { consul } : {}),
    ...(etcd ? { etcd } : {}),
    registry: {
      config: mesh.registry,
      dataDir: mesh.dataDir,
      maxMessageBytes: limits.maxMessageBytes,
      maxConcurrentStreams: limits.maxConcurrentStreams,
      ...(tls ? { tls } : {}),
      ...(auth ? { auth } : {}),
      ...discovery,
      ...(consul ? { consul } : {}),
      ...(etcd ? { etcd } : {}),
    },
    sink,
  };
}
