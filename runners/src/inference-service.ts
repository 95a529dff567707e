/** The runner's GRPCInferenceService: the public protocol, answered from its own models. */
import { setMaxListeners } from 'node:events';
import { status, type Metadata } from '@grpc/grpc-js';
import {
  INFERMESH_VERSION,
  ServiceError,
  checkInferRequest,
  readInferRequestHeader,
  callSignal,
  endSpan,
  reportError,
  SHADOW_CALL_HEADER,
  SHADOW_SHED_DETAILS,
  serveOrderedStream,
  startServerSpan,
  toGrpcStatus,
  unaryHandler,
  unimplementedHandler,
  unsupportedMethodHandlers,
  serviceMiddleware,
  withMiddleware,
  type ContextHandlers,
  type Logger,
  type RequestLimits,
  type ServiceCallContext,
} from '@infermesh/common';
import {
  MODEL_INFER_PATH,
  inferenceProto,
  type GRPCInferenceServiceHandlers,
  type ModelInferRequest__Output,
  type ModelInferResponse,
  type ModelStreamInferResponse,
} from '@infermesh/proto';
import { encodeInferResponse } from './encode-infer-response.js';
import { modelStatistics } from './model-statistics.js';
import { readInferRequest } from './read-infer-request.js';
import type { ModelStore } from './ModelStore.js';
import { tensorMetadata } from './signature.js';
import { tritonModelConfig } from './triton-model-config.js';
import type { VersionMetrics } from './VersionMetrics.js';

const { service } = inferenceProto.GRPCInferenceService;

/** Requests refused while being read off the wire, with why: the handler answers them with it. */
const refusedRequests = new WeakMap<ModelInferRequest__Output, unknown>();

/** What the handlers get for a request that was refused before decoding: its routing fields where they read. */
function refusedRequest(bytes: Buffer, error: unknown): ModelInferRequest__Output {
  let header = { modelName: '', modelVersion: '', id: '' };
  try {
    header = readInferRequestHeader(bytes);
  } catch {
    // The request is answered with `error` all the same.
  }
  const request: ModelInferRequest__Output = {
    model_name: header.modelName,
    model_version: header.modelVersion,
    id: header.id,
    parameters: {},
    inputs: [],
    outputs: [],
    raw_input_contents: [],
  };
  refusedRequests.set(request, error instanceof ServiceError ? error : malformedRequest(error));
  return request;
}

function malformedRequest(error: unknown): ServiceError {
  const reason = error instanceof Error ? `: ${error.message}` : '';
  return ServiceError.invalidArgument(`request is not a valid ModelInferRequest message${reason}`, { cause: error });
}

/**
 * Reads a request: the wire-level checks first (routing fields' wire types, the request
 * limits), then the raw-form reader, then protobufjs. Never throws, as grpc-js would answer
 * INTERNAL: a refused request reaches the handler, which answers with why.
 */
export function inferRequestDeserializer(limits: RequestLimits, decode: (bytes: Buffer) => unknown): (bytes: Buffer) => ModelInferRequest__Output {
  return (bytes) => {
    try {
      checkInferRequest(bytes, limits);
      return readInferRequest(bytes) ?? (decode(bytes) as ModelInferRequest__Output);
    } catch (error) {
      return refusedRequest(bytes, error);
    }
  };
}

/** A ModelInferResponse on the wire: raw answers by hand, any other through protobufjs. */
export function serializeInferResponse(response: ModelInferResponse): Buffer {
  return encodeInferResponse(response) ?? service.ModelInfer.responseSerialize(response);
}

/**
 * The service as a runner serves it: requests held to `limits` on the wire before anything
 * decodes them; requests in the common raw form (both infer methods) and ModelInfer's raw
 * answers skip protobufjs.
 */
export function runnerInferenceService(limits: RequestLimits): typeof service {
  return {
    ...service,
    ModelInfer: {
      ...service.ModelInfer,
      requestDeserialize: inferRequestDeserializer(limits, service.ModelInfer.requestDeserialize),
      responseSerialize: serializeInferResponse,
    },
    ModelStreamInfer: {
      ...service.ModelStreamInfer,
      requestDeserialize: inferRequestDeserializer(limits, service.ModelStreamInfer.requestDeserialize),
    },
  };
}

/** Requests of one ModelStreamInfer stream running at once. */
const STREAM_MAX_IN_FLIGHT = 64;

/** The methods behind the service middleware: all but the hot path and the ones answered UNIMPLEMENTED. */
type ColdMethods = Pick<
  GRPCInferenceServiceHandlers,
  'ModelConfig' | 'ModelStatistics' | 'ServerLive' | 'ServerReady' | 'ServerMetadata' | 'ModelReady' | 'ModelMetadata'
>;

/** One request; `signal` is its call's, shared by every request of a stream. */
export type RunnerInfer = (request: ModelInferRequest__Output, metadata: Metadata, signal: AbortSignal) => Promise<ModelInferResponse>;

/**
 * How a runner answers one ModelInfer request, on either server: a server span continuing
 * the caller's trace (queue, batch and compute spans hang below it), the version's metrics.
 */
export function runnerInfer(store: ModelStore, runner: { device: string }): RunnerInfer {
  return async (request, metadata, signal) => {
    const { span, ctx } = startServerSpan(MODEL_INFER_PATH, metadata, {
      'model.name': request.model_name,
      'model.version': request.model_version,
      device: runner.device,
    });
    const started = performance.now();
    const refusal = refusedRequests.get(request);
    // Series only for versions this runner has, so callers cannot mint label values.
    let metrics: VersionMetrics | undefined;
    try {
      if (refusal !== undefined) throw refusal;
      const version = store.resolve(request.model_name, request.model_version);
      metrics = version.metrics;
      span.setAttribute('model.version', version.version);
      const response = await version.infer(request, signal, ctx, span.isRecording());
      endSpan(span);
      metrics?.succeeded(started);
      return response;
    } catch (error) {
      endSpan(span, error);
      metrics?.failed(status[toGrpcStatus(error).code]);
      throw error;
    }
  };
}

/**
 * Handlers for one runner; `isReady` says whether the initial load has finished. Each
 * ModelInfer gets a server span continuing the caller's trace (queue, batch and compute
 * spans hang below it) and is counted in its version's metrics.
 */
export function inferenceHandlers(
  store: ModelStore,
  logger: Logger,
  isReady: () => boolean,
  runner: { device: string },
): GRPCInferenceServiceHandlers {
  const infer = runnerInfer(store, runner);

  // Methods off the hot path go through the service middleware, bound here once.
  const cold: ContextHandlers<ColdMethods, ServiceCallContext> = {
    // This runner's view only: a gateway overwrites instance_group and version_policy with the mesh's.
    ModelConfig: (request) => {
      const version = store.resolve(request.name, request.version);
      const ready = store.versionsOf(request.name).filter((v) => v.state === 'READY').map((v) => v.version);
      return { config: tritonModelConfig(version, ready) };
    },
    // This runner's counts only: a gateway sums every runner's per (model, version).
    ModelStatistics: (request) => modelStatistics(store, request),
    ServerLive: () => ({ live: true }),
    ServerReady: () => ({ ready: isReady() }),
    ServerMetadata: () => ({
      name: 'infermesh-runner',
      version: INFERMESH_VERSION,
      extensions: [],
    }),
    ModelReady: (request) => {
      try {
        store.resolve(request.name, request.version);
        return { ready: true };
      } catch {
        return { ready: false };
      }
    },
    ModelMetadata: (request) => {
      const version = store.resolve(request.name, request.version);
      return {
        name: request.name,
        versions: store.versionsOf(request.name).map((v) => v.version),
        platform: 'onnxruntime_onnx',
        inputs: version.callerSignature.inputs.map(tensorMetadata),
        outputs: version.callerSignature.outputs.map(tensorMetadata),
      };
    },
  };

  return {
    ...unsupportedMethodHandlers(),
    RepositoryIndex: unimplementedHandler('a runner has no repository: call RepositoryIndex on the gateway'),
    RepositoryModelLoad: unimplementedHandler('a runner has no repository: call RepositoryModelLoad on the gateway'),
    RepositoryModelUnload: unimplementedHandler('a runner has no repository: call RepositoryModelUnload on the gateway'),
    // Bound from `cold`, so each has its method's grpc-js shape.
    ...(withMiddleware(service, serviceMiddleware(logger), cold) as ColdMethods),
    // The hot path keeps its own wrapping: the service middleware would add a context object and promises per call.
    ModelInfer: unaryHandler(logger, 'ModelInfer', async (request, call) => {
      // A shadow copy comes here only compressed (gateways send them uncompressed to the HTTP/2 front).
      if (call.metadata.get(SHADOW_CALL_HEADER).length > 0 && store.othersSaturated(request.model_name, request.model_version)) {
        throw ServiceError.resourceExhausted(SHADOW_SHED_DETAILS);
      }
      const { signal, dispose } = callSignal(call);
      try {
        return await infer(request, call.metadata, signal);
      } finally {
        dispose();
      }
    }),
    ModelStreamInfer: (call) => {
      // One signal for the whole stream: a signal per message would add a 'cancelled'
      // listener and a deadline timer per message in flight, all for the same call.
      const { signal, dispose } = callSignal(call);
      // A stream closes after it ends normally and when cancelled (grpc-js destroys it then).
      call.once('close', dispose);
      // Each message waiting in a Batcher queue listens for 'abort', and up to
      // STREAM_MAX_IN_FLIGHT wait at once (the stream pauses there): not a leak.
      setMaxListeners(STREAM_MAX_IN_FLIGHT, signal);
      serveOrderedStream<ModelInferRequest__Output, ModelStreamInferResponse>(call, {
        maxInFlight: STREAM_MAX_IN_FLIGHT,
        handle: async (request) => ({ error_message: '', infer_response: await infer(request, call.metadata, signal) }),
        onError: (request, error) => {
          const { details } = reportError(logger, 'ModelStreamInfer', error);
          return {
            error_message: details,
            infer_response: { model_name: request.model_name, model_version: request.model_version, id: request.id },
          };
        },
      });
    },
  };
}
