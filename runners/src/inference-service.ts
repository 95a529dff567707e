/** The runner's GRPCInferenceService: the public protocol, answered from its own models. */
import { INFERMESH_VERSION, callSignal, serveOrderedStream, toGrpcStatus, unaryHandler, type Logger } from '@infermesh/common';
import type {
  GRPCInferenceServiceHandlers,
  ModelInferRequest__Output,
  ModelStreamInferResponse,
} from '@infermesh/proto';
import type { ModelStore } from './ModelStore.js';
import type { TensorSpec } from './signature.js';

/** Requests of one ModelStreamInfer stream running at once. */
const STREAM_MAX_IN_FLIGHT = 64;

const tensorMetadata = ({ name, datatype, shape }: TensorSpec) => ({ name, datatype, shape });

/** Handlers for one runner; `isReady` says whether the initial load has finished. */
export function inferenceHandlers(store: ModelStore, logger: Logger, isReady: () => boolean): GRPCInferenceServiceHandlers {
  const infer = async (request: ModelInferRequest__Output, call: Parameters<typeof callSignal>[0]) => {
    const { signal, dispose } = callSignal(call);
    try {
      return await store.resolve(request.model_name, request.model_version).infer(request, signal);
    } finally {
      dispose();
    }
  };

  return {
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
