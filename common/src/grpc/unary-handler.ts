/**
 * Adapts an async function to a grpc-js unary handler with the project's one error mapping,
 * for the hot paths (ModelInfer) that do less per call this way than behind the service middleware.
 */
import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import { reportError } from '../errors/report-error.js';
import { serverErrorOf } from '../errors/to-grpc-status.js';
import type { Logger } from '../log/logger.js';

/**
 * Sends what `handle` returns or resolves with; a thrown or rejected error reaches the
 * caller as its status (a ServiceError as itself), anything unexpected is logged with its
 * stack and reaches the caller as UNKNOWN.
 */
function settle<Res>(logger: Logger, method: string, callback: sendUnaryData<Res>, handle: () => Promise<Res> | Res): void {
  const fail = (error: unknown) => callback(serverErrorOf(reportError(logger, method, error)));
  let result: Promise<Res> | Res;
  try {
    result = handle();
  } catch (error) {
    fail(error);
    return;
  }
  // A plain value needs no promise: most handlers answer synchronously or with one.
  if (result instanceof Promise) result.then((response) => callback(null, response), fail);
  else callback(null, result);
}

/**
 * Wraps `handle` so that a thrown ServiceError reaches the caller as its status and
 * anything unexpected is logged with its stack and reaches the caller as UNKNOWN.
 */
export function unaryHandler<Req, Res>(
  logger: Logger,
  method: string,
  handle: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res> | Res,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => settle(logger, method, callback, () => handle(call.request, call));
}
