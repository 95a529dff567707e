/**
 * The stand-in's Raft index: one counter every write moves, and the waiters of blocking
 * queries, woken on every write so that each re-runs its query and compares indexes.
 */
export class IndexClock {
  private last = 1;
  private readonly waiters = new Set<() => void>();

  /** The index of the last write. */
  get current(): number {
    return this.last;
  }

  /** Index for a new write. Call {@link changed} once the write is applied. */
  next(): number {
    this.last += 1;
    return this.last;
  }

  /** Wakes every waiting blocking query. */
  changed(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolves at the next write, after `ms`, or when `signal` aborts, whichever is first. */
  nextChange(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** What a blocking query answers: the body and the index it reflects. */
export interface IndexedResult<T> {
  index: number;
  body: T;
}

/**
 * Runs `query` as Consul runs a blocking query: with `minIndex` given (and not 0), it answers
 * once the query's index is past `minIndex`, or after `waitMs` with the same result.
 */
export async function blockingQuery<T>(
  clock: IndexClock,
  query: () => IndexedResult<T>,
  minIndex: number | undefined,
  waitMs: number,
  signal: AbortSignal,
): Promise<IndexedResult<T>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const result = query();
    if (!minIndex || result.index > minIndex || Date.now() >= deadline || signal.aborted) return result;
    await clock.nextChange(deadline - Date.now(), signal);
  }
}
