/** The one place a handler turns a thrown value into its gRPC status and logs what was not expected. */
import type { Logger } from '../log/logger.js';
import { toGrpcStatus, type GrpcStatus } from './to-grpc-status.js';

/**
 * The status `error` answers with; an error that is not a known domain error is logged
 * with its stack and `method`, since the caller only sees a generic message.
 */
export function reportError(logger: Logger, method: string, error: unknown): GrpcStatus {
  const grpcStatus = toGrpcStatus(error);
  if (!grpcStatus.expected) logger.error({ err: error, method }, 'unexpected error');
  return grpcStatus;
}
