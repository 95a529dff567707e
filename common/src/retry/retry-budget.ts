/**
 * A retry budget (Finagle's RetryBudget, Envoy's retry_budget): retries may be at most a
 * share of the calls seen over a sliding window, plus a small floor, so that an overloaded
 * backend sees a bounded amount of extra traffic instead of a retry storm.
 */

/** How much a {@link RetryBudget} allows. */
export interface RetryBudgetOptions {
  /** Retries allowed per 100 calls seen over the window (20: one retry for every five calls). */
  percent: number;
  /** Retries allowed per second of the window whatever the traffic, so a quiet caller can still retry. */
  minRetriesPerSecond: number;
  /** How far back calls and retries count, in ms. */
  windowMs: number;
}

/** The window is kept as this many slots, each a tenth of it: the oldest tenth leaves at once. */
const SLOTS = 10;

/** Calls and retries counted per slot of a sliding window; O(1) per call, no allocation after construction. */
export class RetryBudget {
  private readonly calls = new Float64Array(SLOTS);
  private readonly retries = new Float64Array(SLOTS);
  private readonly slotMs: number;
  private readonly floor: number;
  private readonly ratio: number;
  private slot = 0;
  private slotStart: number;

  constructor(
    options: RetryBudgetOptions,
    /** Milliseconds from any fixed origin; only differences count. */
    private readonly now: () => number = Date.now,
  ) {
    this.slotMs = Math.max(1, options.windowMs / SLOTS);
    this.floor = (options.minRetriesPerSecond * options.windowMs) / 1000;
    this.ratio = options.percent / 100;
    this.slotStart = now();
  }

  /** Counts one call (once per call, not per attempt): each one earns `percent` / 100 of a retry. */
  recordCall(): void {
    this.advance();
    this.calls[this.slot]!++;
  }

  /** Takes one retry from the budget; false, and nothing taken, when the window's share is spent. */
  tryRetry(): boolean {
    this.advance();
    let calls = 0;
    let retries = 0;
    for (let i = 0; i < SLOTS; i++) {
      calls += this.calls[i]!;
      retries += this.retries[i]!;
    }
    if (retries + 1 > calls * this.ratio + this.floor) return false;
    this.retries[this.slot]!++;
    return true;
  }

  /** Moves to the slot of now, clearing the slots it passes; a clock that went back stays in the current slot. */
  private advance(): void {
    const elapsed = Math.floor((this.now() - this.slotStart) / this.slotMs);
    if (elapsed <= 0) return;
    for (let i = 1; i <= Math.min(elapsed, SLOTS); i++) {
      const slot = (this.slot + i) % SLOTS;
      this.calls[slot] = 0;
      this.retries[slot] = 0;
    }
    this.slot = (this.slot + elapsed) % SLOTS;
    this.slotStart += elapsed * this.slotMs;
  }
}
