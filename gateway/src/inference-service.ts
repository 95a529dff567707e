/** The gateway's GRPCInferenceService: the public API, forwarded to the runners. */
import * as grpc from '@grpc/grpc-js';
import {
  assertModelAllowed,
  endSpan,
  principalOf,
  INFERMESH_VERSION,
  reportError,
  serveOrderedStream,
  serviceMiddleware,
  startServerSpan,
  toGrpcStatus,
  traceparentOf,
  type RetryPolicy,
  unaryCall,
  unaryHandler,
  withMiddleware,
  type ContextHandlers,
  type Logger,
  type ServiceCallContext,
  readInferRequestHeader,
  type InferRequestHeader,
} from '@infermesh/common';
import { MODEL_INFER_PATH, inferenceProto, type GRPCInferenceServiceHandlers, type ModelMetadataResponse__Output } from '@infermesh/proto';
import { forwardInfer, type ForwardTrace, type ParentCall } from './forward-infer.js';
import type { RunnerHeaders } from './runner-headers.js';
import { metadataCallHeaders } from './CallHeaders.js';
import type { InferObserver } from './InferObserver.js';
import { observerNotifier } from './notify-observers.js';
import { metadataHeaders, NO_HEADERS, type Router } from './Router.js';
import { passThrough, STREAM_MAX_IN_FLIGHT, streamErrorResponse, wrapStreamResponse } from './wire.js';


/** The methods of this file behind the service middleware: all but the hot path. */
type ColdMethods = Pick<GRPCInferenceServiceHandlers, 'ServerLive' | 'ServerReady' | 'ServerMetadata' | 'ModelReady' | 'ModelMetadata'>;

const upstream = inferenceProto.GRPCInferenceService.service;

/**
 * The protocol's service definition with ModelInfer and ModelStreamInfer taking and giving
 * bytes, so tensors cross the gateway undecoded. Reflection still shows the real types.
 */
export const gatewayServiceDefinition: grpc.ServiceDefinition = {
  ...upstream,
  ModelInfer: { ...upstream.ModelInfer, requestDeserialize: passThrough, responseSerialize: passThrough },
  ModelStreamInfer: {
    ...upstream.ModelStreamInfer,
    requestDeserialize: passThrough,
    responseSerialize: passThrough,
  },
};

export function gatewayHandlers(
  router: Router,
  /** When a failed ModelInfer attempt goes to another runner; shared by every call, so its budget counts them all. */
  retry: RetryPolicy,
  /** Which of the caller's metadata reaches a runner. */
  runnerHeaders: RunnerHeaders,
  logger: Logger,
  /** The caller's list, read at every call: observers added to it later are told too. */
  observers: readonly InferObserver[] = [],
  /** The gateway's own observers (the registry's stats reporter). */
  own: readonly InferObserver[] = [],
  /** What ServerMetadata lists as supported extensions. */
  extensions: readonly string[] = [],
): grpc.UntypedServiceImplementation {
  const { admit, notify } = observerNotifier(logger, observers, own);

  const infer = async (request: Buffer, call: ParentCall): Promise<Buffer> => {
    const receivedAt = Date.now();
    const started = performance.now();
    const header = readInferRequestHeader(request);
    const principal = principalOf(call);
    if (principal) assertModelAllowed(principal, header.modelName);
    admit();
    const { span, ctx } = startServerSpan(MODEL_INFER_PATH, call.metadata, { 'model.name': header.modelName });
    const trace: ForwardTrace = { version: '', runner: '' };
    let response: Buffer | undefined;
    let failure: unknown;
    try {
      // The context travels explicitly: nothing below reads the active one.
      response = await forwardInfer(router, retry, runnerHeaders, header, request, call, trace, ctx);
      return response;
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      if (trace.version) span.setAttribute('model.version', trace.version);
      endSpan(span, failure);
      if (observers.length > 0 || own.length > 0) {
        const { code, details } = failure === undefined ? { code: grpc.status.OK, details: '' } : toGrpcStatus(failure);
        notify({
          modelName: header.modelName,
          requestedVersion: header.modelVersion,
          version: trace.version,
          requestId: header.id,
          runner: trace.runner,
          code,
          details,
          latencyMs: performance.now() - started,
          receivedAt,
          headers: metadataCallHeaders(call.metadata),
          request,
          response,
          responseBytes: response?.byteLength ?? 0,
          traceparent: traceparentOf(ctx),
        });
      }
    }
  };

  // Methods off the hot path go through the service middleware, bound here once.
  const cold: ContextHandlers<ColdMethods, ServiceCallContext> = {
    ServerLive: () => ({ live: true }),
    ServerReady: () => ({ ready: router.ready() }),
    ServerMetadata: () => ({
      name: 'infermesh',
      version: INFERMESH_VERSION,
      extensions: [...extensions],
    }),
    ModelReady: (request) => {
      try {
        const { version } = router.chooseVersion(request.name, request.version, NO_HEADERS);
        router.pickRunner(request.name, version, new Set());
        return { ready: true };
      } catch {
        return { ready: false };
      }
    },
    ModelMetadata: async (request, call) => {
      const { version } = router.chooseVersion(request.name, request.version, metadataHeaders(call.metadata));
      const runner = router.pickRunner(request.name, version, new Set());
      const response = await unaryCall<ModelMetadataResponse__Output>((done) =>
        runner.inference.ModelMetadata({ name: request.name, version }, { parent: call }, done),
      );
      // Versions are those the gateway can route to, not those of the one runner asked.
      return { ...response, versions: router.versions(request.name) };
    },
  };

  return {
    ...withMiddleware(gatewayServiceDefinition, serviceMiddleware(logger), cold),
    // The hot path keeps its own wrapping, which allocates less per call than the service middleware.
    ModelInfer: unaryHandler<Buffer, Buffer>(logger, 'ModelInfer', infer),
    ModelStreamInfer: (call: grpc.ServerDuplexStream<Buffer, Buffer>) =>
      serveOrderedStream<Buffer, Buffer>(call, {
        maxInFlight: STREAM_MAX_IN_FLIGHT,
        handle: async (request) => wrapStreamResponse(await infer(request, call)),
        onError: (request, error) => {
          const { details } = reportError(logger, 'ModelStreamInfer', error);
          let header: InferRequestHeader = { modelName: '', modelVersion: '', id: '', sequenceStart: false, sequenceEnd: false };
          try {
            header = readInferRequestHeader(request);
          } catch {
            // The error already says the request is malformed.
          }
          return streamErrorResponse(header, details);
        },
      }),
  };
}
