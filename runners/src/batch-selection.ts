/** Which queued requests run together next, and taking them out of the queue. */

/** What selection reads of a queued request. */
export interface Batchable {
  /** Rows along the batch dimension. */
  batch: number;
  /** Requests join one execution only when their keys match. */
  key: string;
}

/**
 * The oldest request and, with dynamic batching, the compatible requests after it that fit
 * `maxBatchSize` rows, in queue order. `queue` must not be empty.
 */
export function collectBatch<J extends Batchable>(queue: readonly J[], maxBatchSize: number, dynamic: boolean): { jobs: J[]; rows: number } {
  const oldest = queue[0]!;
  if (!dynamic || oldest.batch === 0) return { jobs: [oldest], rows: oldest.batch };
  const jobs: J[] = [];
  let rows = 0;
  for (const job of queue) {
    if (job.key !== oldest.key || rows + job.batch > maxBatchSize) continue;
    jobs.push(job);
    rows += job.batch;
    if (rows === maxBatchSize) break;
  }
  return { jobs, rows };
}

/** Removes a collected batch from `queue` in one pass; `jobs` are in queue order and start with its oldest. */
export function removeBatch<J>(queue: J[], jobs: readonly J[]): void {
  if (jobs.length === 1) {
    queue.shift();
    return;
  }
  let next = 0;
  let kept = 0;
  for (const job of queue) {
    if (job === jobs[next]) next++;
    else queue[kept++] = job;
  }
  queue.length = kept;
}
