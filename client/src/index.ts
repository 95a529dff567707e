/** Typed clients: the public inference API (any Open Inference Protocol gRPC server) and the registry's API. */
export {
  InferenceClient,
  buildInferRequest,
  decodeInferResponse,
  type InferOptions,
  type InferResult,
  type InferenceClientOptions,
  type InputTensor,
} from './InferenceClient.js';
export { RegistryClient, type Attribution } from './RegistryClient.js';
