/** The middleware every infermesh service puts in front of its handlers. */
import type { Logger } from '../../log/logger.js';
import { composeMiddleware } from './compose-middleware.js';
import { errorMiddleware } from './error-middleware.js';
import type { ServerMiddleware } from './ServerMiddleware.js';
import { signalMiddleware, type SignalContext } from './signal-middleware.js';
import { tracingMiddleware, type TracingContext } from './tracing-middleware.js';

/** What a handler behind {@link serviceMiddleware} finds in its context. */
export type ServiceCallContext = TracingContext & SignalContext;

/**
 * Tracing, then error mapping (inside the caller's trace, so unexpected errors are logged
 * with its id, and the span ends with the mapped status), then the call's signal.
 */
export function serviceMiddleware(logger: Logger): ServerMiddleware<ServiceCallContext> {
  return composeMiddleware(tracingMiddleware, errorMiddleware(logger), signalMiddleware);
}
