/**
 * When a failed call is tried again: which codes, how many attempts, how long to wait, and
 * how many retries the caller's traffic can afford. The policy decides; the caller retries
 * only calls that are safe to send twice (idempotent, or never accepted by the server).
 */
import { ErrorCode } from '../errors/ErrorCode.js';
import { RetryBudget } from './retry-budget.js';
import { retryDelayMs } from './retry-delay.js';

/** The knobs of a {@link RetryPolicy}. */
export interface RetryPolicyOptions {
  /** Attempts per call, the first included: 1 never retries. */
  maxAttempts: number;
  /** The codes of a failed attempt that allow another. */
  codes: readonly ErrorCode[];
  /** Retries allowed per 100 calls over the budget's window. */
  budgetPercent: number;
  /** Retries allowed per second whatever the traffic. */
  minRetriesPerSecond: number;
  /** How far back the budget counts calls and retries, in ms. */
  budgetWindowMs: number;
  /** Backoff before the first retry (drawn from its upper half); 0 retries at once. */
  initialBackoffMs: number;
  /** The most the backoff doubles to. */
  maxBackoffMs: number;
}

/** What an option left out means: UNAVAILABLE only, 3 attempts, 20 % of calls plus 10 per second over 10 s, 25–250 ms backoff. */
export const RETRY_POLICY_DEFAULTS: Readonly<RetryPolicyOptions> = {
  maxAttempts: 3,
  codes: [ErrorCode.UNAVAILABLE],
  budgetPercent: 20,
  minRetriesPerSecond: 10,
  budgetWindowMs: 10_000,
  initialBackoffMs: 25,
  maxBackoffMs: 250,
};

/** The clock and randomness a policy uses; tests pass their own. */
export interface RetryPolicyClock {
  /** Milliseconds since the epoch, the unit of deadlines. */
  now(): number;
  /** Uniform in [0, 1), for jitter. */
  random(): number;
}

const SYSTEM_CLOCK: RetryPolicyClock = { now: Date.now, random: Math.random };

/** One policy per caller (a gateway), shared by its calls: the budget counts them all. */
export class RetryPolicy {
  /** The options in force, defaults filled. */
  readonly options: Readonly<RetryPolicyOptions>;
  private readonly retryable = new Set<number>();
  private readonly budget: RetryBudget;

  constructor(
    options: Partial<RetryPolicyOptions> = {},
    private readonly clock: RetryPolicyClock = SYSTEM_CLOCK,
  ) {
    this.options = { ...RETRY_POLICY_DEFAULTS, ...options };
    if (this.options.maxBackoffMs < this.options.initialBackoffMs) throw new RangeError('retry policy: maxBackoffMs is below initialBackoffMs');
    for (const code of this.options.codes) this.retryable.add(code);
    this.budget = new RetryBudget(
      { percent: this.options.budgetPercent, minRetriesPerSecond: this.options.minRetriesPerSecond, windowMs: this.options.budgetWindowMs },
      clock.now,
    );
  }

  /** Counts one call toward the budget; once per call, before its first attempt. */
  recordCall(): void {
    this.budget.recordCall();
  }

  /** Whether an attempt that failed with `code` (an ErrorCode, or a gRPC status of the same number) may be retried. */
  isRetryable(code: unknown): boolean {
    return typeof code === 'number' && this.retryable.has(code);
  }

  /**
   * The backoff in ms before the next attempt, after `attempts` attempts of which the last
   * failed with `code`; undefined when the call is not retried: the code is not retryable,
   * the attempts are used up, the backoff would reach `deadlineMs` (ms since the epoch;
   * Infinity for none), or the budget is spent. A delay it answers is taken from the budget.
   */
  retryDelay(attempts: number, code: unknown, deadlineMs: number): number | undefined {
    const { maxAttempts, initialBackoffMs, maxBackoffMs } = this.options;
    if (attempts >= maxAttempts || !this.isRetryable(code)) return undefined;
    const delay = initialBackoffMs === 0 ? 0 : retryDelayMs(attempts, { initialDelayMs: initialBackoffMs, maxDelayMs: maxBackoffMs }, this.clock.random);
    if (this.clock.now() + delay >= deadlineMs) return undefined;
    return this.budget.tryRetry() ? delay : undefined;
  }
}
