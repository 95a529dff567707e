/**
 * Server middleware for grpc-js handlers, as nice-grpc's `server.use(...)`: a middleware
 * wraps the handler of one method once, when the service is bound, and may add to a typed
 * per-call context that the handler receives.
 */
import type { ServerDuplexStream, ServerReadableStream, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';

/** The four shapes of gRPC method. */
export type MethodKind = 'unary' | 'clientStream' | 'serverStream' | 'bidi';

/** The method a middleware is wrapping, known when the service is bound. */
export interface MethodInfo {
  /** `/package.Service/Method` */
  readonly path: string;
  /** `Method`, as logs name it. */
  readonly name: string;
  readonly kind: MethodKind;
}

/** Any incoming call, whatever its method's shape. */
export type ServerCall =
  | ServerUnaryCall<unknown, unknown>
  | ServerReadableStream<unknown, unknown>
  | ServerWritableStream<unknown, unknown>
  | ServerDuplexStream<unknown, unknown>;

/**
 * A handler as middleware sees it: it resolves with the response (unary and client
 * streaming methods) or once the call is over (server and bidi streaming methods), and
 * rejects with what the method failed with.
 */
export type CallHandler<Context> = (call: ServerCall, context: Context) => Promise<unknown>;

/**
 * Wraps `next`, the handler of `method`, into a handler that is called with a context
 * holding at least `Needs` and calls `next` with that context plus `Adds`. Called once
 * per method when the service is bound; what it returns runs on every call.
 */
export type ServerMiddleware<Adds extends object = object, Needs extends object = object> = <Context extends Needs>(
  next: CallHandler<Context & Adds>,
  method: MethodInfo,
) => CallHandler<Context>;
