/** Calls ModelInfer with a hand-built request and returns the response or the error's code and details. */
import type { ServiceError } from '@grpc/grpc-js';
import type { InferenceClient } from '@infermesh/client';
import type { ModelInferRequest, ModelInferResponse__Output } from '@infermesh/proto';

export type CallOutcome = { ok: true; response: ModelInferResponse__Output } | { ok: false; code: number; details: string };

export function modelInfer(client: InferenceClient, request: ModelInferRequest, timeoutMs?: number): Promise<CallOutcome> {
  const options = timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs };
  return new Promise((resolve) =>
    client.stub.ModelInfer(request, options, (error: ServiceError | null, response?: ModelInferResponse__Output) =>
      resolve(error ? { ok: false, code: error.code, details: error.details } : { ok: true, response: response! }),
    ),
  );
}

/** Raw bytes of `count` INT32 values `fill`. */
export const int32s = (count: number, fill = 1): Buffer => Buffer.from(new Int32Array(count).fill(fill).buffer);
