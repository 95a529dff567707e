/** Triton extension methods infermesh does not offer, each answering UNIMPLEMENTED with why. */
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { GRPCInferenceServiceHandlers } from '@infermesh/proto';
import { ServiceError } from '../errors/ServiceError.js';
import { toServerErrorResponse } from '../errors/to-grpc-status.js';

const SHARED_MEMORY =
  'infermesh does not support %s shared memory: infermesh is a network mesh, and its runners may be on other machines than the caller. Send raw tensors in the request instead (raw_input_contents; outputs come back in raw_output_contents)';

type UnsupportedMethod =
  | 'SystemSharedMemoryStatus'
  | 'SystemSharedMemoryRegister'
  | 'SystemSharedMemoryUnregister'
  | 'CudaSharedMemoryStatus'
  | 'CudaSharedMemoryRegister'
  | 'CudaSharedMemoryUnregister'
  | 'TraceSetting'
  | 'LogSettings';

/** Method name → the message its UNIMPLEMENTED status carries. */
export const UNSUPPORTED_METHODS: Readonly<Record<UnsupportedMethod, string>> = {
  SystemSharedMemoryStatus: SHARED_MEMORY.replace('%s', 'system'),
  SystemSharedMemoryRegister: SHARED_MEMORY.replace('%s', 'system'),
  SystemSharedMemoryUnregister: SHARED_MEMORY.replace('%s', 'system'),
  CudaSharedMemoryStatus: SHARED_MEMORY.replace('%s', 'CUDA'),
  CudaSharedMemoryRegister: SHARED_MEMORY.replace('%s', 'CUDA'),
  CudaSharedMemoryUnregister: SHARED_MEMORY.replace('%s', 'CUDA'),
  TraceSetting:
    'infermesh does not support TraceSetting: traces are OpenTelemetry, sampled by OTEL_TRACES_SAMPLER and exported to OTEL_EXPORTER_OTLP_ENDPOINT',
  LogSettings: 'infermesh does not support LogSettings: the log level is set when a service starts (INFERMESH_LOG_LEVEL)',
};

/** A handler that answers UNIMPLEMENTED with `message`, whatever the request. */
export function unimplementedHandler(message: string) {
  return (_call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<never>): void =>
    callback(toServerErrorResponse(ServiceError.unimplemented(message)));
}

/** Handlers for every method in {@link UNSUPPORTED_METHODS}. */
export function unsupportedMethodHandlers(): Pick<GRPCInferenceServiceHandlers, UnsupportedMethod> {
  const handlers = {} as Record<UnsupportedMethod, ReturnType<typeof unimplementedHandler>>;
  for (const [method, message] of Object.entries(UNSUPPORTED_METHODS)) handlers[method as UnsupportedMethod] = unimplementedHandler(message);
  return handlers;
}
