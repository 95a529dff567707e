/** The runner's GRPCInferenceService: the public protocol, answered from its own models. */
import { status, type Metadata } from '@grpc/grpc-js';
import { context } from '@opentelemetry/api';
import {
  INFERMESH_VERSION,
  callSignal,
  endSpan,
  serveOrderedStream,
  startServerSpan,
  toGrpcStatus,
  unaryHandler,
  unimplementedHandler,
  unsupportedMethodHandlers,
  type Logger,
} from '@infermesh/common';
import {
  MODEL_INFER_PATH,
  type GRPCInferenceServiceHandlers,
  type ModelInferRequest__Output,
  type ModelInferResponse,
  type ModelStreamInferResponse,
} from '@infermesh/proto';
import { modelStatistics } from './model-statistics.js';
import type { RunnerMetrics } from './runner-metrics.js';
import type { ModelStore } from './ModelStore.js';
import type { TensorSpec } from './signature.js';
import { tritonModelConfig } from './triton-model-config.js';

/** Requests of one ModelStreamInfer stream running at once. */
const STREAM_MAX_IN_FLIGHT = 64;

const tensorMetadata = ({ name, datatype, shape }: TensorSpec) => ({ name, datatype, shape });

/**
 * Handlers for one runner; `isReady` says whether the initial load has finished. Each
 * ModelInfer gets a server span continuing the caller's trace (queue, batch and compute
 * spans hang below it) and is counted per version in `metrics`.
 */
export function inferenceHandlers(
  store: ModelStore,
  logger: Logger,
  isReady: () => boolean,
  runner: { device: string },
  metrics?: RunnerMetrics,
): GRPCInferenceServiceHandlers {
  const infer = async (
    request: ModelInferRequest__Output,
    call: Parameters<typeof callSignal>[0] & { metadata: Metadata },
  ): Promise<ModelInferResponse> => {
    const { span, ctx } = startServerSpan(MODEL_INFER_PATH, call.metadata, {
      'model.name': request.model_name,
      'model.version': request.model_version,
      device: runner.device,
    });
    const { signal, dispose } = callSignal(call);
    const started = performance.now();
    // Labels only for versions this runner has, so callers cannot mint label values.
    let labels: { model: string; version: string } | undefined;
    try {
      const version = store.resolve(request.model_name, request.model_version);
      labels = { model: version.name, version: version.version };
      span.setAttribute('model.version', version.version);
      // Queue, batch and compute spans only when this call is sampled: they cost per request.
      const traceContext = span.isRecording() ? ctx : undefined;
      const response = await context.with(ctx, () => version.infer(request, signal, traceContext));
      endSpan(span);
      if (metrics) {
        metrics.requests.inc({ ...labels, code: 'OK' });
        metrics.requestSeconds.observe(labels, (performance.now() - started) / 1000);
      }
      return response;
    } catch (error) {
      endSpan(span, error);
      if (metrics && labels) metrics.requests.inc({ ...labels, code: status[toGrpcStatus(error).code] });
      throw error;
    } finally {
      dispose();
    }
  };

  return {
    ...unsupportedMethodHandlers(),
    // This runner's view only: a gateway overwrites instance_group and version_policy with the mesh's.
    ModelConfig: unaryHandler(logger, 'ModelConfig', (request) => {
      const version = store.resolve(request.name, request.version);
      const ready = store.versionsOf(request.name).filter((v) => v.state === 'READY').map((v) => v.version);
      return { config: tritonModelConfig(version, ready) };
    }),
    // This runner's counts only: a gateway sums every runner's per (model, version).
    ModelStatistics: unaryHandler(logger, 'ModelStatistics', (request) => modelStatistics(store, request)),
    RepositoryIndex: unimplementedHandler('a runner has no repository: call RepositoryIndex on the gateway'),
    RepositoryModelLoad: unimplementedHandler('a runner has no repository: call RepositoryModelLoad on the gateway'),
    RepositoryModelUnload: unimplementedHandler('a runner has no repository: call RepositoryModelUnload on the gateway'),
    ServerLive: unaryHandler(logger, 'ServerLive', () => ({ live: true })),
    ServerReady: unaryHandler(logger, 'ServerReady', () => ({ ready: isReady() })),
    ServerMetadata: unaryHandler(logger, 'ServerMetadata', () => ({
      name: 'infermesh-runner',
      version: INFERMESH_VERSION,
      extensions: [],
    })),
    ModelReady: unaryHandler(logger, 'ModelReady', (request) => {
      try {
        store.resolve(request.name, request.version);
        return { ready: true };
      } catch {
        return { ready: false };
      }
    }),
    ModelMetadata: unaryHandler(logger, 'ModelMetadata', (request) => {
      const version = store.resolve(request.name, request.version);
      return {
        name: request.name,
        versions: store.versionsOf(request.name).map((v) => v.version),
        platform: 'onnxruntime_onnx',
        inputs: version.signature.inputs.map(tensorMetadata),
        outputs: version.signature.outputs.map(tensorMetadata),
      };
    }),
    ModelInfer: unaryHandler(logger, 'ModelInfer', infer),
    ModelStreamInfer: (call) =>
      serveOrderedStream<ModelInferRequest__Output, ModelStreamInferResponse>(call, {
        maxInFlight: STREAM_MAX_IN_FLIGHT,
        handle: async (request) => ({ error_message: '', infer_response: await infer(request, call) }),
        onError: (request, error) => {
          const { details, expected } = toGrpcStatus(error);
          if (!expected) logger.error({ err: error, method: 'ModelStreamInfer' }, 'unexpected error');
          return {
            error_message: details,
            infer_response: { model_name: request.model_name, model_version: request.model_version, id: request.id },
          };
        },
      }),
  };
}
