/**
 * Calls of the `consul` client that need more than the body: the response's X-Consul-Index
 * (blocking queries) and cancellation by an AbortSignal (a blocking query in flight when the
 * caller stops).
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';

/** What the client passes its `ctx` for: the response with the body, and a 'cancel' event. */
export interface ConsulCallContext extends EventEmitter {
  includeResponse: true;
}

/** A body with the index it reflects. */
export interface Indexed<T> {
  body: T;
  /** X-Consul-Index; 0 when the answer had none. */
  index: number;
}

/** An error of the client with the HTTP status Consul answered, when it answered. */
export function consulStatus(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Runs `call` with a context that makes the client resolve `[response, body]`; returns the body
 * and X-Consul-Index. `signal` aborts the request. A 404 (a missing key) resolves with `body` undefined.
 */
export async function withIndex<T>(call: (ctx: ConsulCallContext) => Promise<unknown>, signal?: AbortSignal): Promise<Indexed<T | undefined>> {
  const ctx = Object.assign(new EventEmitter(), { includeResponse: true as const });
  const abort = () => ctx.emit('cancel');
  signal?.addEventListener('abort', abort, { once: true });
  try {
    const result = await call(ctx);
    const [response, body] = result as [IncomingMessage & { headers: Record<string, string | undefined> }, T | undefined];
    const index = Number(response?.headers['x-consul-index'] ?? 0);
    return { body, index: Number.isSafeInteger(index) ? index : 0 };
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
