import { ErrorCode } from './ErrorCode.js';

/**
 * The one error type services throw. `details` goes to the caller as the gRPC status
 * message, so it must say what is wrong in the caller's terms and never carry internals.
 * It knows nothing of grpc-js: `toGrpcStatus` turns its code into the wire status.
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';

  constructor(
    /** What went wrong; the caller receives the gRPC status of the same name. */
    readonly code: ErrorCode,
    /** The message the caller receives. */
    readonly details: string,
    options?: { cause?: unknown },
  ) {
    super(details, options);
  }

  /** NOT_FOUND: unknown model or version. */
  static notFound(details: string, options?: { cause?: unknown }): ServiceError {
    return new ServiceError(ErrorCode.NOT_FOUND, details, options);
  }

  /** INVALID_ARGUMENT: the request does not match what the model expects. */
  static invalidArgument(details: string, options?: { cause?: unknown }): ServiceError {
    return new ServiceError(ErrorCode.INVALID_ARGUMENT, details, options);
  }

  /** UNAVAILABLE: nothing ready to serve right now; the caller may retry. */
  static unavailable(details: string, options?: { cause?: unknown }): ServiceError {
    return new ServiceError(ErrorCode.UNAVAILABLE, details, options);
  }

  /** FAILED_PRECONDITION: the system is not in a state that allows this operation. */
  static failedPrecondition(details: string, options?: { cause?: unknown }): ServiceError {
    return new ServiceError(ErrorCode.FAILED_PRECONDITION, details, options);
  }

  /** UNIMPLEMENTED: a feature infermesh does not support. */
  static unimplemented(details: string, options?: { cause?: unknown }): ServiceError {
    return new ServiceError(ErrorCode.UNIMPLEMENTED, details, options);
  }

  /** RESOURCE_EXHAUSTED: a queue, spool or size limit is full; the caller may retry later. */
  static resourceExhausted(details: string, options?: { cause?: unknown }): ServiceError {
    return new ServiceError(ErrorCode.RESOURCE_EXHAUSTED, details, options);
  }

  /** DEADLINE_EXCEEDED: the work did not finish in the time it was given. */
  static deadlineExceeded(details: string, options?: { cause?: unknown }): ServiceError {
    return new ServiceError(ErrorCode.DEADLINE_EXCEEDED, details, options);
  }

  /** CANCELLED: the caller gave up on the call. */
  static cancelled(details: string, options?: { cause?: unknown }): ServiceError {
    return new ServiceError(ErrorCode.CANCELLED, details, options);
  }

  /** ALREADY_EXISTS: what the caller tried to create is there already. */
  static alreadyExists(details: string, options?: { cause?: unknown }): ServiceError {
    return new ServiceError(ErrorCode.ALREADY_EXISTS, details, options);
  }

  /** UNAUTHENTICATED: no usable credentials (a bearer token missing, malformed, expired or unknown). */
  static unauthenticated(details: string, options?: { cause?: unknown }): ServiceError {
    return new ServiceError(ErrorCode.UNAUTHENTICATED, details, options);
  }

  /** PERMISSION_DENIED: the caller is known but may not do this. */
  static permissionDenied(details: string, options?: { cause?: unknown }): ServiceError {
    return new ServiceError(ErrorCode.PERMISSION_DENIED, details, options);
  }

  /** INTERNAL: infermesh (or a library under it) failed; the details stay generic, the cause goes to the log. */
  static internal(details: string, options?: { cause?: unknown }): ServiceError {
    return new ServiceError(ErrorCode.INTERNAL, details, options);
  }
}
