/**
 * The single mapping from any thrown value to a gRPC status: the one place domain error
 * codes, Node's errno values and abort reasons meet grpc-js.
 */
import { type Metadata, status } from '@grpc/grpc-js';
import type { ServerErrorResponse } from '@grpc/grpc-js';
import { ErrorCode } from './ErrorCode.js';
import { ServiceError } from './ServiceError.js';

/** Each domain code's gRPC status; a Record, so a code added to ErrorCode without a status does not compile. */
const GRPC_STATUS_OF: Record<ErrorCode, status> = {
  [ErrorCode.CANCELLED]: status.CANCELLED,
  [ErrorCode.UNKNOWN]: status.UNKNOWN,
  [ErrorCode.INVALID_ARGUMENT]: status.INVALID_ARGUMENT,
  [ErrorCode.DEADLINE_EXCEEDED]: status.DEADLINE_EXCEEDED,
  [ErrorCode.NOT_FOUND]: status.NOT_FOUND,
  [ErrorCode.ALREADY_EXISTS]: status.ALREADY_EXISTS,
  [ErrorCode.PERMISSION_DENIED]: status.PERMISSION_DENIED,
  [ErrorCode.RESOURCE_EXHAUSTED]: status.RESOURCE_EXHAUSTED,
  [ErrorCode.FAILED_PRECONDITION]: status.FAILED_PRECONDITION,
  [ErrorCode.ABORTED]: status.ABORTED,
  [ErrorCode.OUT_OF_RANGE]: status.OUT_OF_RANGE,
  [ErrorCode.UNIMPLEMENTED]: status.UNIMPLEMENTED,
  [ErrorCode.INTERNAL]: status.INTERNAL,
  [ErrorCode.UNAVAILABLE]: status.UNAVAILABLE,
  [ErrorCode.DATA_LOSS]: status.DATA_LOSS,
  [ErrorCode.UNAUTHENTICATED]: status.UNAUTHENTICATED,
};

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

/**
 * Codes whose details, when another server (a runner, onnxruntime under it) sends them,
 * describe that server's internals rather than the caller's request: the caller gets
 * {@link upstreamInternalDetails} instead, and the original goes to the log.
 */
const UPSTREAM_INTERNAL_CODES: ReadonlySet<status> = new Set([status.UNKNOWN, status.INTERNAL, status.DATA_LOSS]);

/** Whether an upstream status of `code` is shown to the caller without its details. */
export function hidesUpstreamDetails(code: status): boolean {
  return UPSTREAM_INTERNAL_CODES.has(code);
}

/** What the caller is told of an upstream failure whose details are not theirs to see. */
export function upstreamInternalDetails(code: status): string {
  return `internal error (${status[code]}) in an upstream service; see the gateway log`;
}

/** How far down `cause` chains and AggregateError lists the mapping looks, so a cycle or a huge tree costs little. */
const MAX_CAUSE_DEPTH = 8;

/** What a thrown value becomes on the wire, plus whether it was expected. */
export interface GrpcStatus {
  code: status;
  details: string;
  /** False when the error was not a known domain error: log it with its stack. */
  expected: boolean;
}

const UNKNOWN_STATUS: GrpcStatus = { code: status.UNKNOWN, details: 'internal error; see the server log', expected: false };
const CANCELLED_STATUS: GrpcStatus = { code: status.CANCELLED, details: 'operation aborted', expected: true };

/** The gRPC status of a domain error code. */
export function grpcStatusOf(code: ErrorCode): status {
  return GRPC_STATUS_OF[code] ?? status.UNKNOWN;
}

function isGrpcError(error: object): error is { code: status; details: string; metadata?: Metadata } {
  return typeof (error as { code?: unknown }).code === 'number' && typeof (error as { details?: unknown }).details === 'string';
}

/** The status one error says by itself, without looking at its causes; undefined when it says none. */
function statusOfOne(error: object): GrpcStatus | undefined {
  if (error instanceof ServiceError) return { code: grpcStatusOf(error.code), details: error.details, expected: true };
  if (isGrpcError(error)) {
    // Received from another server (grpc-js's client errors carry its metadata; a status this
    // process mapped already does not): its own details are logged, the caller gets a generic message.
    if (error.metadata !== undefined && hidesUpstreamDetails(error.code)) return { code: error.code, details: upstreamInternalDetails(error.code), expected: false };
    return { code: error.code, details: error.details, expected: true };
  }
  const errno = (error as { code?: unknown }).code;
  if (typeof errno === 'string' && UNAVAILABLE_ERRNOS.has(errno)) {
    return { code: status.UNAVAILABLE, details: `upstream unreachable (${errno})`, expected: true };
  }
  // AbortSignal.timeout() aborts with a DOMException named TimeoutError.
  if ((error as { name?: unknown }).name === 'TimeoutError') {
    return { code: status.DEADLINE_EXCEEDED, details: 'deadline exceeded', expected: true };
  }
  return undefined;
}

function isAbortError(error: object): boolean {
  return (error as { name?: unknown }).name === 'AbortError' || (error as { code?: unknown }).code === 'ABORT_ERR';
}

/**
 * The single mapping from any thrown value to a gRPC status. The first error that says a
 * status, depth first through `cause` and AggregateError's `errors` (at most
 * {@link MAX_CAUSE_DEPTH} deep, each error once), decides: ServiceErrors and statuses
 * received from another gRPC server keep their code and message, except a received
 * UNKNOWN, INTERNAL or DATA_LOSS, whose message is replaced (and logged by reportError); unreachable peers
 * (ECONNREFUSED, ETIMEDOUT, ...) become UNAVAILABLE; a TimeoutError (AbortSignal.timeout)
 * DEADLINE_EXCEEDED. An AbortError becomes CANCELLED unless something under it says more
 * (Node's AbortError carries the signal's reason as its cause). Anything else becomes
 * UNKNOWN with a generic message, and its detail is for the log only.
 */
export function toGrpcStatus(error: unknown): GrpcStatus {
  // Most errors say their status themselves: no walk, no allocation.
  if (typeof error !== 'object' || error === null) return UNKNOWN_STATUS;
  const own = statusOfOne(error);
  if (own) return own;
  let aborted = isAbortError(error);
  const seen = new Set<object>([error]);
  const pending: { error: object; depth: number }[] = [];
  const pushChildren = (parent: object, depth: number) => {
    if (depth > MAX_CAUSE_DEPTH) return;
    const children: unknown[] = [];
    if ('cause' in parent) children.push(parent.cause);
    if (parent instanceof AggregateError && Array.isArray(parent.errors)) children.push(...parent.errors);
    // Reversed onto the stack, so the cause is looked at before the aggregated errors, in order.
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (typeof child === 'object' && child !== null && !seen.has(child)) {
        seen.add(child);
        pending.push({ error: child, depth });
      }
    }
  };
  pushChildren(error, 1);
  for (let next = pending.pop(); next; next = pending.pop()) {
    const found = statusOfOne(next.error);
    if (found) return found;
    aborted ||= isAbortError(next.error);
    pushChildren(next.error, next.depth + 1);
  }
  return aborted ? CANCELLED_STATUS : UNKNOWN_STATUS;
}

/** The error object grpc-js callbacks and `stream.destroy` take. */
export function toServerErrorResponse(error: unknown): ServerErrorResponse {
  return serverErrorOf(toGrpcStatus(error));
}

/** The error object grpc-js takes, for a status already mapped. */
export function serverErrorOf({ code, details }: GrpcStatus): ServerErrorResponse {
  return Object.assign(new Error(details), { code, details });
}
