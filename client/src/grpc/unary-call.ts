/** A unary call made with a grpc-js callback client, as a promise. */
import type { ServiceError } from '@grpc/grpc-js';

/** The callback a grpc-js unary method takes. */
export type UnaryCallback<T> = (error: ServiceError | null, value?: T) => void;

/**
 * Starts the call with a callback and settles with its answer: the gRPC error, or the
 * response (an empty one rejects, which grpc-js never delivers on success).
 */
export function unaryCall<T>(start: (done: UnaryCallback<T>) => unknown): Promise<T> {
  return new Promise<T>((resolve, reject) =>
    start((error, value) => (error || value === undefined ? reject(error ?? new Error('empty response')) : resolve(value))),
  );
}
