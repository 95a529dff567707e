/** Typed client for infermesh (and any Open Inference Protocol gRPC server). */
export {
  InferenceClient,
  buildInferRequest,
  decodeInferResponse,
  type InferOptions,
  type InferResult,
  type InferenceClientOptions,
  type InputTensor,
} from './InferenceClient.js';
