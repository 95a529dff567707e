/** A failed delivery, and whether trying the same batch again may succeed. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';

  constructor(
    message: string,
    /** False when the destination refused the batch itself (a 4xx, a bad row): retrying cannot help. */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True unless the error says retrying cannot help. */
export function isRetryable(error: unknown): boolean {
  return !(error instanceof DeliveryError) || error.retryable;
}

/** A one-line description of a delivery failure, for logs, status and dead letters. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const code = (error as { code?: unknown }).code ?? cause?.code;
  const detail = cause && typeof cause.message === 'string' && cause.message !== error.message ? ` (${cause.message})` : '';
  return `${typeof code === 'string' && !error.message.includes(code) ? `${code}: ` : ''}${error.message}${detail}`;
}
