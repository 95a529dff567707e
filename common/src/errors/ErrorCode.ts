/**
 * The codes a ServiceError carries: gRPC's status names, so domain code can say what went
 * wrong without importing grpc-js. The values equal gRPC's, which keeps `error.code ===
 * status.X` comparisons true; the one mapping to the wire is still `toGrpcStatus`. OK is
 * absent: it is not an error.
 */
export const ErrorCode = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The name of an {@link ErrorCode}, as configs and logs spell it (`UNAVAILABLE`). */
export type ErrorCodeName = keyof typeof ErrorCode;

/** Every {@link ErrorCodeName}, in code order. */
export const ERROR_CODE_NAMES = Object.keys(ErrorCode) as [ErrorCodeName, ...ErrorCodeName[]];
