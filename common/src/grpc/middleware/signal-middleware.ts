/** Middleware that gives each call an AbortSignal, aborted when the call is cancelled or its deadline passes. */
import { callSignal } from '../call-signal.js';
import type { ServerMiddleware } from './ServerMiddleware.js';

/** What {@link signalMiddleware} adds to the call context. */
export interface SignalContext {
  /** Aborts with a CANCELLED or DEADLINE_EXCEEDED ServiceError as its reason. */
  signal: AbortSignal;
}

/** Adds `signal` to the context; its listener and timer go once the handler is done. */
export const signalMiddleware: ServerMiddleware<SignalContext> = (next) => async (call, context) => {
  const { signal, dispose } = callSignal(call);
  try {
    return await next(call, Object.assign(context, { signal }));
  } finally {
    dispose();
  }
};
