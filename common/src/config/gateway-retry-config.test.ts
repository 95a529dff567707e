import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../errors/ErrorCode.js';
import { GATEWAY_RETRY_DEFAULTS, gatewayRetryPolicyOptions, gatewayRetrySchema } from './gateway-retry-config.js';
import { meshConfigSchema } from './mesh-config.js';

describe('gateway.retry', () => {
  it('defaults to what the gateway always did: UNAVAILABLE and NOT_FOUND, three attempts', () => {
    const mesh = meshConfigSchema.parse({ runners: [{ name: 'cpu-0', device: 'cpu' }] });
    expect(mesh.gateway.retry).toEqual(GATEWAY_RETRY_DEFAULTS);
    expect(GATEWAY_RETRY_DEFAULTS).toEqual({
      maxAttempts: 3,
      codes: ['UNAVAILABLE', 'NOT_FOUND'],
      budgetPercent: 20,
      minRetriesPerSecond: 10,
      initialBackoffMs: 10,
      maxBackoffMs: 100,
    });
  });

  it('turns code names into ErrorCodes for the RetryPolicy', () => {
    expect(gatewayRetryPolicyOptions(gatewayRetrySchema.parse({ codes: ['UNAVAILABLE'], maxAttempts: 2 }))).toMatchObject({
      codes: [ErrorCode.UNAVAILABLE],
      maxAttempts: 2,
    });
  });

  it('refuses unknown codes and keys, and a backoff cap below its start', () => {
    expect(gatewayRetrySchema.safeParse({ codes: ['OK'] }).success).toBe(false);
    expect(gatewayRetrySchema.safeParse({ attempts: 3 }).success).toBe(false);
    expect(gatewayRetrySchema.safeParse({ initialBackoffMs: 50, maxBackoffMs: 10 }).error?.issues[0]?.path).toEqual(['maxBackoffMs']);
  });
});
