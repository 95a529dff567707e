/** Shared library of infermesh services: errors, tensor codec, gRPC helpers, config, logs, and the contracts of models and the registry. */
export { ServiceError } from './errors/ServiceError.js';
export { ERROR_CODE_NAMES, ErrorCode, type ErrorCodeName } from './errors/ErrorCode.js';
export {
  grpcStatusOf,
  hidesUpstreamDetails,
  serverErrorOf,
  toGrpcStatus,
  toServerErrorResponse,
  upstreamInternalDetails,
  type GrpcStatus,
} from './errors/to-grpc-status.js';
export { reportError } from './errors/report-error.js';
export { BackendRegistry, type BackendFactory } from './backends/BackendRegistry.js';
export {
  CONFIG_DATATYPES,
  DATATYPES,
  configDatatype,
  datatypeFromConfig,
  datatypeInfo,
  datatypeFromOrt,
  isDatatype,
  type Datatype,
  type DatatypeInfo,
  type OrtElementType,
  type ContentsField,
} from '@infermesh/client';
export { elementCount, emptyContents, encodeRaw, type HostTensor, type TensorData } from '@infermesh/client';
export { decodeContents, decodeRaw, encodeContents } from './tensor/tensor-codec.js';
export type { TensorJson } from './tensor/TensorJson.js';
export { MODEL_FILE, scanModelRepository, type ModelSource, type SkippedEntry } from './models/model-repository.js';
export { ROLLOUT_FIELDS, type RolloutField } from '@infermesh/client';
export { MAX_ACTOR_CHARS, MAX_REASON_CHARS } from './registry/attribution-limits.js';
export { deviceMatches } from './registry/device-matches.js';
export { wantedReplicas } from './registry/wanted-replicas.js';
export {
  startGrpcServer,
  serverChannelOptions,
  type GrpcServerOptions,
  type ServiceBinding,
  type StartedGrpcServer,
} from './grpc/start-grpc-server.js';
export { clientChannelOptions } from '@infermesh/client';
export { isCredentialHeader } from './grpc/credential-headers.js';
export { bearerTokenInterceptor, clientSecurity, type ClientSecurity } from '@infermesh/client';
export { unaryHandler } from './grpc/unary-handler.js';
export { unaryCall, type UnaryCallback } from '@infermesh/client';
export { UNSUPPORTED_METHODS, unimplementedHandler, unsupportedMethodHandlers } from './grpc/unsupported-methods.js';
export { callSignal, deadlineMs, type CallSignal } from './grpc/call-signal.js';
export type { CallHandler, MethodInfo, MethodKind, ServerCall, ServerMiddleware } from './grpc/middleware/ServerMiddleware.js';
export { composeMiddleware } from './grpc/middleware/compose-middleware.js';
export { withMiddleware, type ContextHandler, type ContextHandlers } from './grpc/middleware/with-middleware.js';
export { errorMiddleware } from './grpc/middleware/error-middleware.js';
export { signalMiddleware, type SignalContext } from './grpc/middleware/signal-middleware.js';
export { tracingMiddleware, type TracingContext } from './grpc/middleware/tracing-middleware.js';
export { serviceMiddleware, type ServiceCallContext } from './grpc/middleware/service-middleware.js';
export { serveOrderedStream, type OrderedStreamHandlers } from './grpc/ordered-stream.js';
export { readEnvironment, servicesRequired, type EnvironmentOverrides } from './config/env.js';
export { ConfigError } from './config/ConfigError.js';
export { HOST_PORT_RULE, MODEL_NAME_RULE, MODEL_VERSION_RULE, RUNNER_NAME_RULE } from './config/name-rules.js';
export { meshConfigSchema, type MeshConfig } from './config/mesh-config.js';
export { DEFAULT_MAX_CONCURRENT_STREAMS, DEFAULT_REQUEST_LIMITS, DEFAULT_STREAM_IDLE_TIMEOUT_MS, limitsSchema, type Limits, type RequestLimits } from './config/limits-config.js';
export {
  checkRoutingField,
  INFER_REQUEST,
  INFER_REQUEST_FIELDS,
  readInferRequestHeader,
  type InferRequestHeader,
} from './wire/infer-request-header.js';
export type { SequenceParameters } from './wire/sequence-parameters.js';
export { checkInferRequest, MAX_SHAPE_RANK } from './wire/check-infer-request.js';
export { forEachField, malformed, readVarint, varintBytes, varintSize, WIRE_LENGTH_DELIMITED, writeVarint } from './wire/protobuf-wire.js';
export { EXCHANGE_FIELDS_BYTES, exchangeCancel, exchangeRequestHead, exchangeResponseHead, readExchangeRequest, readExchangeResponse, type ExchangeRequest, type ExchangeResponse } from './wire/runner-exchange.js';
export { tlsSchema, type TlsConfig } from './config/tls-config.js';
export { authSchema, type AuthConfig, type JwtConfig } from './config/auth-config.js';
export { consulSchema, DEFAULT_CONSUL_ADDRESS, withConsulPaths, type ConsulConfig } from './config/consul-config.js';
export { consulToken, createConsulClient, type ConsulConnection } from './consul/consul-client.js';
export { DEFAULT_ETCD_ENDPOINT, DEFAULT_ETCD_PREFIX, etcdSchema, withEtcdPaths, type EtcdConfig } from './config/etcd-config.js';
export { createEtcdClient, etcdPassword, type EtcdConnection } from './etcd/etcd-client.js';
export { followEtcd, type FollowHandlers, type FollowOptions, type FollowRange } from './etcd/follow-etcd.js';
export { abortableSleep } from './retry/abortable-sleep.js';
export { consulStatus, withIndex, type ConsulCallContext, type Indexed } from './consul/consul-call.js';
export { Authenticator, MAX_AUTHORIZATION_BYTES } from './auth/Authenticator.js';
export { ADMIN_ROLE, ANY_MODEL, SERVICE_ROLE, assertModelAllowed, assertRole, mayCallModel, type Principal } from './auth/Principal.js';
export { tokenDigest } from './auth/StaticTokens.js';
export { authorizationOf, guardService, principalOf, type MethodAccess, type ServiceGuard } from './auth/guard-service.js';
export { meshChannelCredentials, meshServerCredentials, readTlsMaterial, TlsFiles, type TlsMaterial } from './tls/TlsFiles.js';
export { DEFAULT_RESPONSE_CACHE_BYTES, deviceSchema, runnerEntrySchema, type RunnerEntry } from './config/runner-config.js';
export { artifactCacheSchema, DEFAULT_ARTIFACT_CACHE_BYTES, type ArtifactCacheSettings } from './config/artifact-cache-config.js';
export { artifactStoreSchema, type ArtifactStoreConfig, type S3ArtifactStoreConfig } from './config/artifact-store-config.js';
export { gatewaySchema, RUNNER_KEEPALIVE_DEFAULT_MS, shadowSchema, type GatewayEntry, type ShadowConfig } from './config/gateway-config.js';
export { POLICY_LIMITS, PROMOTION_LIMITS, type Range } from './config/policy-limits.js';
export {
  parseRegistryConfig,
  registryClientAddress,
  registrySchema,
  type ArtifactSourcesConfig,
  type PolicyConfig,
  type RegistryConfig,
} from './config/registry-config.js';
export { registryAddressOf } from './config/registry-address.js';
export { sinkSchema, spoolSchema, type SinkEntry } from './config/sink-config.js';
export {
  destinationSchema,
  ENTRY_KINDS,
  STATUS_NAMES,
  type BatchConfig,
  type DestinationConfig,
  type FilterConfig,
  type HttpConfig,
  type JsonlConfig,
  type NatsConfig,
  type PostgresConfig,
  type RedisConfig,
  type RetryConfig,
} from './config/sink-destination-config.js';
export {
  sourceSchema,
  type MqttSourceConfig,
  type NatsSourceConfig,
  type RedisSourceConfig,
  type SourceConfig,
} from './config/sink-source-config.js';
export { resolveDestination, type ResolvedDestinationConfig, type ResolvedJsonlConfig } from './config/resolve-destination.js';
export { resolveSinkConfig, SOURCE_DEAD_LETTERS, type SinkConfig, type SinkContext } from './config/resolve-sink-config.js';
export {
  MODEL_CONFIG_DEFAULTS,
  MODEL_CONFIG_LIMITS,
  MODEL_CONFIG_KEYS,
  modelConfigProblems,
  modelConfigYamlProblems,
  modelConfigSchema,
  parseModelConfig,
  type ModelConfig,
  type ModelConfigInput,
} from './config/model-config.js';
export type { GatewaySettings, PublisherSettings, RegistrySettings, RunnerSettings } from './config/service-configs.js';
export { resolveConfig, type ResolveOptions, type ResolvedConfig } from './config/resolve-config.js';
export { readConfigFile } from './config/read-config-file.js';
export { configFileOf, DEFAULT_CONFIG_FILE, loadConfig, loadConfigOrExit, orExitOnConfigError } from './config/load-config.js';
export { cudaDeviceId } from './config/device.js';
export { createLogger, silentLogger, type Logger } from './log/logger.js';
export { runService, type RunningService } from './process/run-service.js';
export { Backoff, DEFAULT_BACKOFF, type BackoffPolicy } from './process/Backoff.js';
export { DATA_DIR_MODE, DATA_FILE_MODE } from './process/data-modes.js';
export { GATEWAY_HTTP_LISTENING, GATEWAY_NODE_FLAGS, loggedAddress, mainScript, spawnService, type SpawnOptions, type SpawnedService } from './process/spawn-service.js';
export { INFERMESH_VERSION } from './version.js';
export { startTelemetry, type Telemetry } from './telemetry/start-telemetry.js';
export { declareSpansNeverSampled, spansCanRecord } from './telemetry/sampling-mode.js';
export {
  activeTraceIds,
  contextFromTraceparent,
  endSpan,
  extractContext,
  injectContext,
  injectHeaders,
  startChildSpan,
  startServerSpan,
  startServerSpanIn,
  traceparentOf,
  tracer,
} from './telemetry/grpc-tracing.js';
export {
  createMetricsRegistry,
  metricsRoute,
  startHttpServer,
  type FallbackHandler,
  type Route,
  type StartedHttpServer,
} from './metrics/http-server.js';
export { percentile } from './metrics/percentile.js';
export { metricSum, scrape } from './metrics/prometheus-text.js';
export { REPLAY_CALL_HEADER } from './grpc/replay-call-header.js';
export { SHADOW_CALL_HEADER, SHADOW_SHED_DETAILS } from './grpc/shadow-call-header.js';
export { retryDelayMs, type RetryDelays } from './retry/retry-delay.js';
export { RetryBudget, type RetryBudgetOptions } from './retry/retry-budget.js';
export { RETRY_POLICY_DEFAULTS, RetryPolicy, type RetryPolicyClock, type RetryPolicyOptions } from './retry/retry-policy.js';
export {
  GATEWAY_RETRY_DEFAULTS,
  gatewayRetryPolicyOptions,
  gatewayRetrySchema,
  type GatewayRetryConfig,
} from './config/gateway-retry-config.js';
export {
  parseSinkPublisherConfig,
  sinkPublisherSchema,
  SINK_DEFAULT_HOST,
  SINK_DEFAULT_PORT,
  SINK_PUBLISHER_DEFAULTS,
  SINK_PUBLISHER_MUST_NOT_LOSE_CLOSE_MS,
  type SinkPublisherConfig,
} from './config/sink-publisher-config.js';
export { FRAME_HEADER_BYTES, framePieces, GrpcFrameReader, messageTooLarge, type UnaryMessage } from './h2/GrpcFrameReader.js';
export { GrpcMessageSplitter } from './h2/GrpcMessageSplitter.js';
export { encodeGrpcMessage, isTrailersOnly, requestHeadersFor, responseHeadersFrom, statusOf, statusTrailers, trailersOnly } from './h2/grpc-headers.js';
export { deadlineOf, startDeadline, timeoutHeader } from './h2/grpc-timeout.js';
export { resetStatus } from './h2/reset-status.js';
export { answerStatus, relayResponse, type Relay, type RelayHooks } from './h2/relay-response.js';
export { relayStream, type ReadSoFar } from './h2/relay-stream.js';
export { KEEPALIVE_DEFAULTS, keepaliveOf, type Keepalive, SESSION_MEMORY_MB, SessionPool } from './h2/SessionPool.js';
export { startGrpcFront, type GrpcFront, type GrpcFrontOptions } from './h2/start-grpc-front.js';
export { compareResponses, emptyComparison, type ResponseComparison } from './agreement/compare-responses.js';
export {
  AgreementTally,
  addAgreementCounts,
  emptyAgreementCounts,
  summarizeAgreement,
  type AgreementCounts,
  type AgreementSummary,
} from './agreement/AgreementTally.js';
export { halfToNumber, isFloatDatatype, readFloat, type FloatDatatype } from './agreement/float-reader.js';
