/** Middleware that maps whatever a handler throws to its gRPC status, once, logging what was not expected. */
import { reportError } from '../../errors/report-error.js';
import { serverErrorOf } from '../../errors/to-grpc-status.js';
import type { Logger } from '../../log/logger.js';
import type { ServerMiddleware } from './ServerMiddleware.js';

/**
 * A thrown or rejected value becomes the status it maps to (a ServiceError as itself);
 * anything unexpected is logged with its stack and the method, and with the trace id when
 * it runs inside {@link tracingMiddleware}, and reaches the caller as UNKNOWN.
 */
export function errorMiddleware(logger: Logger): ServerMiddleware {
  return (next, method) => async (call, context) => {
    try {
      return await next(call, context);
    } catch (error) {
      throw serverErrorOf(reportError(logger, method.name, error));
    }
  };
}
