/** Adapts an async function to a grpc-js client-streaming handler with the project's one error mapping. */
import type { sendUnaryData, ServerReadableStream } from '@grpc/grpc-js';
import type { Logger } from '../log/logger.js';
import { settle } from './unary-handler.js';

/**
 * Wraps `handle`, which reads the call's messages and resolves with the one response, so
 * that a thrown ServiceError reaches the caller as its status and anything unexpected is
 * logged with its stack and reaches the caller as UNKNOWN, as {@link unaryHandler} does.
 */
export function clientStreamHandler<Req, Res>(
  logger: Logger,
  method: string,
  handle: (call: ServerReadableStream<Req, Res>) => Promise<Res> | Res,
): (call: ServerReadableStream<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => settle(logger, method, callback, () => handle(call));
}
