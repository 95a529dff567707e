/** Shared library of infermesh services: errors, tensor codec, gRPC helpers, config, logs, and the contracts of models and the registry. */
export { ServiceError } from './errors/ServiceError.js';
export { ERROR_CODE_NAMES, ErrorCode, type ErrorCodeName } from './errors/ErrorCode.js';
export { grpcStatusOf, serverErrorOf, toGrpcStatus, toServerErrorResponse, type GrpcStatus } from './errors/to-grpc-status.js';
export { reportError } from './errors/report-error.js';
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
} from './tensor/datatypes.js';
export { elementCount, type HostTensor, type TensorData } from './tensor/HostTensor.js';
export { decodeContents, decodeRaw, emptyContents, encodeContents, encodeRaw } from './tensor/tensor-codec.js';
export { MODEL_NAME, MODEL_VERSION } from './models/model-key.js';
export { MODEL_FILE, scanModelRepository, type ModelSource, type SkippedEntry } from './models/model-repository.js';
export { ROLLOUT_FIELDS, type RolloutField } from './registry/rollout-fields.js';
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
export { clientChannelOptions } from './grpc/client-options.js';
export { unaryHandler } from './grpc/unary-handler.js';
export { clientStreamHandler } from './grpc/client-stream-handler.js';
export { unaryCall, type UnaryCallback } from './grpc/unary-call.js';
export { UNSUPPORTED_METHODS, unimplementedHandler, unsupportedMethodHandlers } from './grpc/unsupported-methods.js';
export { callSignal, deadlineMs, type CallSignal } from './grpc/call-signal.js';
export { serveOrderedStream, type OrderedStreamHandlers } from './grpc/ordered-stream.js';
export { readEnvironment, servicesRequired, type EnvironmentOverrides } from './config/env.js';
export {
  meshConfigSchema,
  deviceSchema,
  type MeshConfig,
  type RunnerEntry,
  type GatewayEntry,
  type Limits,
} from './config/mesh-config.js';
export { cudaDeviceId } from './config/device.js';
export {
  ConfigError,
  configFileOf,
  DEFAULT_CONFIG_FILE,
  loadMeshConfig,
  loadMeshConfigOrExit,
  orExitOnConfigError,
  readConfigFile,
  resolveMeshConfig,
} from './config/load-mesh-config.js';
export { createLogger, silentLogger, type Logger } from './log/logger.js';
export { runService, type RunningService } from './process/run-service.js';
export { mainScript, spawnService, type SpawnOptions, type SpawnedService } from './process/spawn-service.js';
export { INFERMESH_VERSION } from './version.js';
export { startTelemetry, type Telemetry } from './telemetry/start-telemetry.js';
export {
  activeTraceIds,
  contextFromTraceparent,
  endSpan,
  extractContext,
  injectContext,
  startChildSpan,
  startServerSpan,
  traceparentOf,
  tracer,
} from './telemetry/grpc-tracing.js';
export {
  createMetricsRegistry,
  metricsRoute,
  startHttpServer,
  type Route,
  type StartedHttpServer,
} from './metrics/http-server.js';
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
  type SinkPublisherConfig,
} from './config/sink-publisher-config.js';
