/** Binds a service's handlers behind middleware, composed once per method instead of inside every handler. */
import type {
  sendUnaryData,
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  ServiceDefinition,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { toServerErrorResponse } from '../../errors/to-grpc-status.js';
import type { CallHandler, MethodInfo, MethodKind, ServerCall, ServerMiddleware } from './ServerMiddleware.js';

/**
 * The handler of one method given a per-call `Context`, by the grpc-js handler type `H`
 * (as proto-loader-gen-types writes it): unary and client-streaming handlers return or
 * resolve with the response; streaming ones return, or resolve, once they have started
 * the stream, which is over when the call closes.
 */
export type ContextHandler<H, Context> =
  // Streaming handlers take one parameter; checked first, since they also fit the two-parameter shape.
  H extends (call: infer Call) => void
    ? Call extends ServerWritableStream<infer Req, infer Res>
      ? (call: ServerWritableStream<Req, Res>, context: Context) => Promise<void> | void
      : Call extends ServerDuplexStream<infer Req, infer Res>
        ? (call: ServerDuplexStream<Req, Res>, context: Context) => Promise<void> | void
        : never
    : H extends (call: infer Call, callback: sendUnaryData<infer Res>) => void
      ? Call extends ServerUnaryCall<infer Req, Res>
        ? (request: Req, call: ServerUnaryCall<Req, Res>, context: Context) => Promise<Res> | Res
        : Call extends ServerReadableStream<infer Req, Res>
          ? (call: ServerReadableStream<Req, Res>, context: Context) => Promise<Res> | Res
          : never
      : never;

/** A service's handlers (`H`, the generated handlers type) given a per-call `Context`. */
export type ContextHandlers<H, Context> = { [Method in keyof H]: ContextHandler<H[Method], Context> };

/** Any of the four {@link ContextHandler} shapes, as the binding sees them. */
type AnyContextHandler<Context> = (first: unknown, second: unknown, third?: Context) => unknown;

function kindOf(definition: ServiceDefinition[string]): MethodKind {
  if (definition.requestStream) return definition.responseStream ? 'bidi' : 'clientStream';
  return definition.responseStream ? 'serverStream' : 'unary';
}

/** Resolves once a streaming call is over: ended, cancelled or failed. */
function closed(call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>): Promise<void> {
  if (call.closed || call.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const over = () => resolve();
    // 'close' follows each of the others; they are here so that a stream grpc-js never closes is over too.
    for (const event of ['close', 'finish', 'error', 'cancelled']) call.once(event, over);
  });
}

/** The grpc-js handler of one method: the middleware around `handle`, and the call's outcome sent. */
function bind<Context extends object>(handle: AnyContextHandler<Context>, method: MethodInfo, middleware: ServerMiddleware<Context>): UntypedServiceImplementation[string] {
  if (method.kind === 'unary' || method.kind === 'clientStream') {
    const inner: CallHandler<Context> =
      method.kind === 'unary'
        ? async (call, context) => handle((call as ServerUnaryCall<unknown, unknown>).request, call, context)
        : async (call, context) => handle(call, context);
    const composed = middleware<object>(inner, method);
    // The status is mapped here too, so nothing unmapped reaches grpc-js without an error
    // middleware; a status already mapped by one keeps its code and message.
    return (call: ServerCall, callback: sendUnaryData<unknown>) => {
      composed(call, {}).then(
        (response) => callback(null, response),
        (error: unknown) => callback(toServerErrorResponse(error)),
      );
    };
  }
  const inner: CallHandler<Context> = async (call, context) => {
    const stream = call as ServerWritableStream<unknown, unknown>;
    await handle(stream, context);
    await closed(stream);
  };
  const composed = middleware<object>(inner, method);
  return (call: ServerWritableStream<unknown, unknown>) => {
    composed(call, {}).catch((error: unknown) => {
      // grpc-js sends an 'error' emitted on a server stream as the call's status.
      if (!call.closed && !call.destroyed && !call.writableEnded) call.emit('error', toServerErrorResponse(error));
    });
  };
}

/**
 * grpc-js handlers for `definition`'s methods in `handlers`, each behind `middleware`,
 * composed here once per method. A method the definition lacks is a mistake and throws.
 */
export function withMiddleware<Context extends object>(
  definition: ServiceDefinition,
  middleware: ServerMiddleware<Context>,
  handlers: Record<string, unknown>,
): UntypedServiceImplementation {
  const bound: UntypedServiceImplementation = {};
  for (const [name, handle] of Object.entries(handlers)) {
    const method = definition[name];
    if (!method) throw new Error(`${name} is not a method of the service`);
    bound[name] = bind(handle as AnyContextHandler<Context>, { path: method.path, name, kind: kindOf(method) }, middleware);
  }
  return bound;
}
