/** Errors the CLI explains to its user: its own, and the registry's in the user's terms. */
import { status } from '@grpc/grpc-js';
import { ConfigError } from '@infermesh/common';

/** A mistake the user can fix; the message says how. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** What a gRPC error's details say when the registry was never reached. */
const UNREACHABLE = /No connection established|ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|Connection dropped|Waiting for LB pick/;

/** The one line the CLI prints for a failure (without the `infermesh: ` prefix). */
export function explain(error: unknown, registry: string | undefined): string {
  if (error instanceof CliError || error instanceof ConfigError) return error.message;
  const grpcError = error as { code?: unknown; details?: unknown };
  if (typeof grpcError.code === 'number' && typeof grpcError.details === 'string') {
    if ((grpcError.code === status.UNAVAILABLE && UNREACHABLE.test(grpcError.details)) || grpcError.code === status.DEADLINE_EXCEEDED) {
      const reason = /E[A-Z]{3,}/.exec(grpcError.details)?.[0] ?? status[grpcError.code];
      return `cannot reach the registry at ${registry ?? '?'} (${reason}); is the mesh running (npm start)? --registry host:port names another one`;
    }
    return `${status[grpcError.code] ?? grpcError.code}: ${grpcError.details}`;
  }
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') return (error as Error).message;
  return `unexpected error: ${(error as Error)?.stack ?? String(error)}`;
}
