/** Calls a runner's ModelStatistics and ModelConfig, returning the response or the error's code and details. */
import type { ServiceError } from '@grpc/grpc-js';
import type { InferenceClient } from '@infermesh/client';
import type { ModelConfigResponse__Output } from '@infermesh/proto/gen/inference/ModelConfigResponse';
import type { ModelStatisticsResponse__Output } from '@infermesh/proto/gen/inference/ModelStatisticsResponse';
import type { Outcome } from '@infermesh/testkit';

/** What both methods take: an empty name means every model, an empty version every version (or the default one). */
export interface ModelRequest {
  name?: string;
  version?: string;
}

function outcome<T>(invoke: (done: (error: ServiceError | null, value?: T) => void) => void): Promise<Outcome<T>> {
  return new Promise((resolve) =>
    invoke((error, value) => resolve(error ? { ok: false, code: error.code, details: error.details } : { ok: true, value: value! })),
  );
}

export function modelStatistics(client: InferenceClient, request: ModelRequest): Promise<Outcome<ModelStatisticsResponse__Output>> {
  return outcome((done) => client.stub.ModelStatistics(request, done));
}

export function modelConfig(client: InferenceClient, request: ModelRequest): Promise<Outcome<ModelConfigResponse__Output>> {
  return outcome((done) => client.stub.ModelConfig(request, done));
}

/** The value of a call expected to succeed; a failure throws with its code and details. */
export async function valueOf<T>(call: Promise<Outcome<T>>): Promise<T> {
  const result = await call;
  if (!result.ok) throw new Error(`call failed with code ${result.code}: ${result.details}`);
  return result.value;
}
