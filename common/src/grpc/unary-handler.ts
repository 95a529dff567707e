/** Adapts an async function to a grpc-js unary handler with the project's one error mapping. */
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { toGrpcStatus, toServerErrorResponse } from '../errors/to-grpc-status.js';
import type { Logger } from '../log/logger.js';

/**
 * Wraps `handle` so that a thrown ServiceError reaches the caller as its status and
 * anything unexpected is logged with its stack and reaches the caller as UNKNOWN.
 */
export function unaryHandler<Req, Res>(
  logger: Logger,
  method: string,
  handle: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res> | Res,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    Promise.resolve()
      .then(() => handle(call.request, call))
      .then(
        (response) => callback(null, response),
        (error: unknown) => {
          if (!toGrpcStatus(error).expected) logger.error({ err: error, method }, 'unexpected error');
          callback(toServerErrorResponse(error));
        },
      );
  };
}
