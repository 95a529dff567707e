/**
 * Typed clients: the public inference API (any Open Inference Protocol gRPC server) and the
 * registry's API, with the tensor codec they share with the mesh's services.
 */
export { InferenceClient, type InferenceClientOptions } from './InferenceClient.js';
export { InferResult, buildInferRequest, decodeInferResponse, type InferOptions, type InputTensor } from './infer-messages.js';
export { InferStream, StreamInferError } from './InferStream.js';
export type { CallControl } from './call-control.js';
export { RegistryClient, type Attribution } from './RegistryClient.js';
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
export { TensorDataError } from './tensor/TensorDataError.js';
export type { DataOfDatatype, TypedHostTensor } from './tensor/typed-data.js';
export { ROLLOUT_FIELDS, type RolloutField } from './registry/rollout-fields.js';
export { clientChannelOptions } from './grpc/client-options.js';
export { bearerTokenInterceptor, clientSecurity, type ClientSecurity } from './grpc/bearer-token.js';
export { unaryCall, type UnaryCallback } from './grpc/unary-call.js';
