import { status } from '@grpc/grpc-js';

/**
 * The one error type services throw. `details` goes to the caller as the gRPC status
 * message, so it must say what is wrong in the caller's terms and never carry internals.
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';

  constructor(
    /** The gRPC status code the caller receives. */
    readonly code: status,
    /** The message the caller receives. */
    readonly details: string,
    options?: { cause?: unknown },
  ) {
    super(details, options);
  }

  /** NOT_FOUND: unknown model or version. */
  static notFound(details: string): ServiceError {
    return new ServiceError(status.NOT_FOUND, details);
  }

  /** INVALID_ARGUMENT: the request does not match what the model expects. */
  static invalidArgument(details: string): ServiceError {
    return new ServiceError(status.INVALID_ARGUMENT, details);
  }

  /** UNAVAILABLE: nothing ready to serve right now; the caller may retry. */
  static unavailable(details: string): ServiceError {
    return new ServiceError(status.UNAVAILABLE, details);
  }

  /** FAILED_PRECONDITION: the system is not in a state that allows this operation. */
  static failedPrecondition(details: string): ServiceError {
    return new ServiceError(status.FAILED_PRECONDITION, details);
  }

  /** UNIMPLEMENTED: a feature infermesh does not support. */
  static unimplemented(details: string): ServiceError {
    return new ServiceError(status.UNIMPLEMENTED, details);
  }
}
