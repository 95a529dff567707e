import { type Metadata, status } from '@grpc/grpc-js';
import type { ServerErrorResponse } from '@grpc/grpc-js';
import { ServiceError } from './ServiceError.js';

/** Node errno values that mean "the peer cannot be reached right now". */
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/** What a thrown value becomes on the wire, plus whether it was expected. */
export interface GrpcStatus {
  code: status;
  details: string;
  /** False when the error was not a known domain error: log it with its stack. */
  expected: boolean;
}

function isGrpcError(error: unknown): error is { code: status; details: string; metadata?: Metadata } {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'number' &&
    typeof (error as { details?: unknown }).details === 'string'
  );
}

/**
 * The single mapping from any thrown value to a gRPC status. ServiceErrors and statuses
 * received from another gRPC server keep their code and message; unreachable peers
 * become UNAVAILABLE; anything else becomes UNKNOWN with a generic message, and its
 * detail is for the log only.
 */
export function toGrpcStatus(error: unknown): GrpcStatus {
  if (error instanceof ServiceError) {
    return { code: error.code, details: error.details, expected: true };
  }
  if (isGrpcError(error)) {
    return { code: error.code, details: error.details, expected: true };
  }
  const errno = (error as { code?: unknown } | null)?.code;
  if (typeof errno === 'string' && UNAVAILABLE_ERRNOS.has(errno)) {
    return { code: status.UNAVAILABLE, details: `upstream unreachable (${errno})`, expected: true };
  }
  return { code: status.UNKNOWN, details: 'internal error; see the server log', expected: false };
}

/** The error object grpc-js callbacks and `stream.destroy` take. */
export function toServerErrorResponse(error: unknown): ServerErrorResponse {
  return serverErrorOf(toGrpcStatus(error));
}

/** The error object grpc-js takes, for a status already mapped. */
export function serverErrorOf({ code, details }: GrpcStatus): ServerErrorResponse {
  return Object.assign(new Error(details), { code, details });
}
