/** A promise for one unary call made with a grpc-js callback client. */
import type { ServiceError } from '@grpc/grpc-js';

export function unaryCall<T>(start: (callback: (error: ServiceError | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => start((error, value) => (error ? reject(error) : resolve(value as T))));
}
