/** What each service's factory takes from the resolved mesh config (all but the logger). */
import type { ArtifactCacheSettings } from './artifact-cache-config.js';
import type { AuthConfig } from './auth-config.js';
import type { DiscoverySettings } from './discovery-config.js';
import type { ConsulConfig } from './consul-config.js';
import type { EtcdConfig } from './etcd-config.js';
import type { GatewayRetryConfig } from './gateway-retry-config.js';
import type { ShadowConfig } from './gateway-config.js';
import type { RequestLimits } from './limits-config.js';
import type { RegistryConfig } from './registry-config.js';
import type { SinkPublisherConfig } from './sink-publisher-config.js';
import type { TlsConfig } from './tls-config.js';

/** A runner's settings: its `runners[]` entry with the mesh's paths and limits. */
export interface RunnerSettings {
  name: string;
  /** `cpu` or `cuda:N`. */
  device: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Absolute. */
  modelRepository: string;
  /** The mesh's data folder, absolute. */
  dataDir: string;
  /** ORT intra-op threads per model instance; 0 lets onnxruntime choose. */
  intraOpThreads: number;
  maxMessageBytes: number;
  maxTensorElements: number;
  /** What a request is held to before it is decoded; default DEFAULT_REQUEST_LIMITS with `maxTensorElements`. */
  requestLimits?: RequestLimits;
  /** Streams per client connection (limits.maxConcurrentStreams); default 1000. */
  maxConcurrentStreams?: number;
  /** What serves its port: ModelInfer on node:http2 in front of grpc-js, or grpc-js alone; default 'http2'. */
  server?: 'grpc-js' | 'http2';
  /** HTTP port of /metrics; 0 picks a free one. */
  metricsPort: number;
  /** The registry's host:port (INFERMESH_REGISTRY_ADDRESS), when the runner registers with one. */
  registry?: string;
  /** The mesh's `tls`, paths absolute: its listeners and its client to the registry. */
  tls?: TlsConfig;
  /** INFERMESH_TOKEN, sent to the registry. */
  token?: string;
  /** `discovery:`; absent: `registry`. With `consul` the runner registers itself in Consul. */
  discovery?: DiscoverySettings;
  /** `runners[].artifactCache`, dir absolute; default `<dataDir>/runner-<name>/artifact-cache`, 20 GiB. */
  artifactCache?: ArtifactCacheSettings;
  /** `runners[].responseCacheBytes`: cached answers of all versions together; default DEFAULT_RESPONSE_CACHE_BYTES. */
  responseCacheBytes?: number;
}

/** How a gateway publishes prediction records: `sink.publisher` with the sink's address settled. */
export interface PublisherSettings extends Omit<SinkPublisherConfig, 'address'> {
  /** INFERMESH_SINK_ADDRESS, else `sink.publisher.address`, else `sink.host:sink.port`. */
  address: string;
  /** Largest gRPC message to the sink (the mesh's limits.maxMessageBytes). */
  maxMessageBytes: number;
}

/** A gateway's settings: its section with the runner list, limits, registry and sink settled. */
export interface GatewaySettings {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** HTTP port of the status page and /metrics. */
  httpPort: number;
  /** `gateway.runners`, else every runner of the config, as host:port. */
  runners: string[];
  runnerRefreshMs: number;
  /** PING interval, and answer timeout, of the HTTP/2 sessions to runners (`gateway.runnerKeepaliveMs`). */
  runnerKeepaliveMs: number;
  /** When a failed ModelInfer attempt goes to another runner. */
  retry: GatewayRetryConfig;
  /** How ModelInfer is forwarded: through grpc-js, or as an HTTP/2 stream. */
  forwarding: 'grpc-js' | 'http2';
  /** How the http2 forwarding calls runners: many calls on one Exchange stream, or a stream each (`gateway.runnerCalls`). */
  runnerCalls: 'exchange' | 'streams';
  /** Caller metadata names passed on to runners beside the trace context (`gateway.passThroughHeaders`). */
  passThroughHeaders: string[];
  /** One log line per call (`gateway.accessLog`); default off. */
  accessLog?: boolean;
  /** Copies of calls to shadow versions (`gateway.shadow`); defaults in its schema. */
  shadow?: ShadowConfig;
  maxMessageBytes: number;
  /** Streams per client connection on both the HTTP/2 front and the grpc-js server (limits.maxConcurrentStreams); default 1000. */
  maxConcurrentStreams?: number;
  /** A front stream idle this long is reset (limits.streamIdleTimeoutMs); default 10 min, 0 off. */
  streamIdleTimeoutMs?: number;
  /** The registry's host:port (INFERMESH_REGISTRY_ADDRESS): routes come from it. */
  registry?: string;
  /** Absent when the mesh has no sink (no `sink:` section and no INFERMESH_SINK_ADDRESS). */
  publisher?: PublisherSettings;
  /** The mesh's `tls`, paths absolute: the gateway's clients to runners, registry and sink. */
  tls?: TlsConfig;
  /** `gateway.tls`, else the mesh's `tls`: the public port and the status page. */
  publicTls?: TlsConfig;
  /** The mesh's `auth`, paths absolute: bearer tokens on the public API. */
  auth?: AuthConfig;
  /** INFERMESH_TOKEN, sent to the registry. */
  token?: string;
  /** `discovery:`; absent: `registry`. With `consul` the gateway registers itself in Consul and finds the registry and sink there. */
  discovery?: DiscoverySettings;
}

/** The registry's settings: its section, with the mesh's data folder and limits. */
export interface RegistrySettings {
  config: RegistryConfig;
  /** The mesh's data folder, absolute; the file store lives in `<dataDir>/registry`. */
  dataDir: string;
  maxMessageBytes: number;
  /** Streams per client connection (limits.maxConcurrentStreams); default 1000. */
  maxConcurrentStreams?: number;
  /** The mesh's `tls`, paths absolute: its listener and its clients to runners. */
  tls?: TlsConfig;
  /** The mesh's `auth`, paths absolute: bearer tokens on the registry's API (writes need `admin`). */
  auth?: AuthConfig;
  /** `discovery:`; absent: `registry`. With `consul` the registry registers itself in Consul and takes runners' liveness from it. */
  discovery?: DiscoverySettings;
  /** The mesh's `consul`, paths absolute: where the `consul` store lives. */
  consul?: ConsulConfig;
  /** The mesh's `etcd`, paths absolute: where the `etcd` store lives. */
  etcd?: EtcdConfig;
}
