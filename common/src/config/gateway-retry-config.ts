/**
 * The mesh config's `gateway.retry` section: when the gateway tries a ModelInfer again on
 * another runner. Here, apart from the rest of the schema, so that the gateway and its
 * tests share one set of defaults.
 */
import { z } from 'zod';
import { ERROR_CODE_NAMES, ErrorCode } from '../errors/ErrorCode.js';
import type { RetryPolicyOptions } from '../retry/retry-policy.js';

/** The `gateway.retry` keys, with defaults. */
export const gatewayRetrySchema = z
  .object({
    /** Attempts per call, the first included (1: never retry). */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    /**
     * Codes of a runner's answer that send the call to another runner. NOT_FOUND is there on
     * purpose: the gateway only calls a runner that its routes say has the version ready, so
     * a runner that answers NOT_FOUND has just unloaded it or restarted without it, and
     * another runner (or the next route update) still has it. Without it, calls routed in
     * the moment between a runner's unload and the gateway's next refresh fail.
     */
    codes: z.array(z.enum(ERROR_CODE_NAMES)).min(1).default(['UNAVAILABLE', 'NOT_FOUND']),
    /** Retries allowed per 100 calls over the last 10 s, on top of `minRetriesPerSecond`. */
    budgetPercent: z.number().min(0).max(100).default(20),
    /** Retries allowed per second whatever the traffic, so a quiet gateway can still retry. */
    minRetriesPerSecond: z.number().min(0).max(1_000_000).default(10),
    /** Backoff before the first retry, drawn from its upper half; doubles per retry. 0: retry at once. */
    initialBackoffMs: z.number().int().min(0).max(60_000).default(10),
    /** The most the backoff grows to; never past the caller's deadline. */
    maxBackoffMs: z.number().int().min(0).max(60_000).default(100),
  })
  .strict()
  .refine((retry) => retry.maxBackoffMs >= retry.initialBackoffMs, { message: 'maxBackoffMs must be at least initialBackoffMs', path: ['maxBackoffMs'] });

/** A validated `gateway.retry` section. */
export type GatewayRetryConfig = z.infer<typeof gatewayRetrySchema>;

/** What an absent `gateway.retry` means. */
export const GATEWAY_RETRY_DEFAULTS: GatewayRetryConfig = gatewayRetrySchema.parse({});

/** The RetryPolicy options a `gateway.retry` section asks for. */
export function gatewayRetryPolicyOptions(config: GatewayRetryConfig): Partial<RetryPolicyOptions> {
  const { codes, ...rest } = config;
  return { ...rest, codes: codes.map((name) => ErrorCode[name]) };
}
