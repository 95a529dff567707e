/**
 * What a service's registration in a discovery backend does whatever the backend: it tries
 * once at start, and while the backend cannot be reached the service starts anyway and the
 * registration is retried in the background with a doubling backoff, until it succeeds or
 * the service withdraws.
 */
import { backoffMs, type BackoffBounds } from './retry-timing.js';

export abstract class RetriedRegistration {
  /** True while the backend holds the entry, as far as this process knows. */
  protected registered = false;
  /** True once the service withdrew (or gave up) the entry: nothing is tried again. */
  protected withdrawn = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly backoff: BackoffBounds) {}

  /** Registers now; when the backend cannot be reached, resolves anyway and keeps trying. */
  async start(): Promise<void> {
    await this.attempt();
  }

  /** True while the backend holds the entry, as far as this process knows. */
  get isRegistered(): boolean {
    return this.registered;
  }

  /** One try; calls {@link succeeded} or {@link retryLater}. */
  protected abstract attempt(): Promise<void>;

  protected succeeded(): void {
    this.registered = true;
    this.failures = 0;
  }

  /** Tries again after the backoff (unless withdrawn); true for the first failure in a row, which the log reports. */
  protected retryLater(): boolean {
    if (this.withdrawn) return false;
    this.failures++;
    this.timer = setTimeout(() => void this.attempt(), backoffMs(this.failures, this.backoff));
    this.timer.unref();
    return this.failures === 1;
  }

  /** No more tries. */
  protected stopRetrying(): void {
    this.withdrawn = true;
    clearTimeout(this.timer);
  }
}
