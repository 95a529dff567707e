/** Per-token call rates: a token bucket per principal name, refilled continuously, bounded in how many names it tracks. */
import { ServiceError } from '../errors/ServiceError.js';

interface Bucket {
  tokens: number;
  last: number;
}

export class TokenRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly callsPerSecond: number,
    private readonly burst: number,
    private readonly maxNames: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one call of `name`; RESOURCE_EXHAUSTED saying when to retry when it is over its rate. */
  charge(name: string): void {
    const now = this.now();
    let bucket = this.buckets.get(name);
    if (!bucket) {
      if (this.buckets.size >= this.maxNames) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = { tokens: this.burst, last: now };
      this.buckets.set(name, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.last) * this.callsPerSecond) / 1000);
    bucket.last = now;
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    const waitMs = Math.ceil(((1 - bucket.tokens) * 1000) / this.callsPerSecond);
    throw ServiceError.resourceExhausted(`token '${name}' is over its rate of ${this.callsPerSecond} calls/s; retry in ${waitMs} ms`);
  }
}
