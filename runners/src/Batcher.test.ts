import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Batcher, type BatcherOptions, type BatchRequest } from './Batcher.js';
import type { WireTensor } from './session-protocol.js';
import type { RunResult, SessionWorker } from './SessionWorker.js';
import type { VersionMetrics } from './VersionMetrics.js';
import { VersionStatistics } from './VersionStatistics.js';

/** An instance that echoes input `x` as output `y` once released; it records each run's rows. */
class EchoInstance {
  readonly runs: number[][] = [];
  private readonly pending: (() => void)[] = [];

  constructor(private readonly holding = false) {}

  get busy(): number {
    return this.pending.length;
  }

  run(feeds: Record<string, WireTensor>, _fetches: readonly string[]): Promise<RunResult> {
    const x = feeds.x!;
    this.runs.push(Array.from(x.data as Float32Array).filter((_, i) => i % 2 === 0));
    return new Promise((resolve) => {
      const answer = () => {
        this.pending.splice(this.pending.indexOf(answer), 1);
        resolve({ outputs: { y: x }, inputNs: 0, computeNs: 1000, outputNs: 0 });
      };
      this.pending.push(answer);
      if (!this.holding) setImmediate(answer);
    });
  }

  release(): void {
    for (const answer of [...this.pending]) answer();
  }
}

/** One row tagged `id` (both elements), for a model with input `x` of shape [-1,2]. */
const row = (id: number, key = 'k'): BatchRequest => ({
  feeds: { x: { type: 'float32', data: Float32Array.of(id, id), dims: [1, 2] } },
  fetches: ['y'],
  batch: 1,
  key,
});

const idOf = (outputs: Record<string, WireTensor>) => (outputs.y!.data as Float32Array)[0];

function batcher(instance: EchoInstance, options: Partial<BatcherOptions> = {}) {
  const statistics = new VersionStatistics();
  const queue = new Batcher([instance as unknown as SessionWorker], { maxBatchSize: 8, maxQueueSize: 16, statistics, ...options });
  return { queue, statistics };
}

const dynamic = (maxQueueDelayUs: number) => ({ dynamic: { maxQueueDelayUs, preferredBatchSizes: [] } });

// A fake clock for every test: they are about which delay the batcher waits out and what it
// joins, not about how promptly a busy machine runs timers (a 20 ms stall between two
// submits would otherwise split a batch). `settled` runs the timers, then takes the answers.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'performance'] });
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

async function settled<T>(answers: Promise<T>[]): Promise<T[]> {
  const all = Promise.all(answers);
  await vi.runAllTimersAsync();
  return all;
}

describe('Batcher', () => {
  it('joins requests that arrive within the queue delay into one execution, arming one timer for them all', async () => {
    const instance = new EchoInstance();
    const { queue, statistics } = batcher(instance, dynamic(20_000));
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const answers = [1, 2, 3].map((id) => queue.submit(row(id)));
    expect(timers).toHaveBeenCalledTimes(1);
    expect((await settled(answers)).map(idOf)).toEqual([1, 2, 3]);
    expect(instance.runs).toEqual([[1, 2, 3]]);
    expect(statistics.executions).toBe(1);
    expect(statistics.executionsPerBatchSize()).toEqual([{ batch_size: 3, executions: 1 }]);
    expect(queue.stats).toEqual({ inferences: 3, dropped: 0, rejected: 0 });
  });

  it('takes a batch out of the middle of the queue and keeps the others in arrival order', async () => {
    const instance = new EchoInstance();
    const { queue } = batcher(instance, dynamic(1_000));
    const answers = [row(1, 'a'), row(2, 'b'), row(3, 'a'), row(4, 'b'), row(5, 'a')].map((request) => queue.submit(request));
    expect((await settled(answers)).map(idOf)).toEqual([1, 2, 3, 4, 5]);
    expect(instance.runs).toEqual([
      [1, 3, 5],
      [2, 4],
    ]);
  });

  it('re-arms the delay for the next oldest request when the oldest leaves the queue', async () => {
    const instance = new EchoInstance();
    const { queue } = batcher(instance, dynamic(200_000));
    const controller = new AbortController();
    const first = queue.submit(row(1), controller.signal);
    await vi.advanceTimersByTimeAsync(50);
    const second = queue.submit(row(2));
    controller.abort(new Error('gone'));
    await expect(first).rejects.toThrow('gone');
    // The first request's timer fires at 200 ms for the second, which then waits out its own
    // delay: 200 ms from its arrival at 50 ms.
    await vi.advanceTimersByTimeAsync(199);
    expect(instance.runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(instance.runs).toEqual([[2]]);
    expect((await settled([second])).map(idOf)).toEqual([2]);
    expect(queue.stats.dropped).toBe(1);
  });


  it('without dynamic batching runs requests one at a time, oldest first', async () => {
    const instance = new EchoInstance();
    const { queue, statistics } = batcher(instance, { maxBatchSize: 0 });
    const answers = [1, 2, 3, 4].map((id) => queue.submit(row(id)));
    expect((await settled(answers)).map(idOf)).toEqual([1, 2, 3, 4]);
    expect(instance.runs).toEqual([[1], [2], [3], [4]]);
    expect(statistics.executionsPerBatchSize()).toEqual([{ batch_size: 1, executions: 4 }]);
  });

  it('reports each request’s queue wait and each execution to the version’s metrics', async () => {
    const instance = new EchoInstance(true);
    const metrics = { queued: vi.fn(), executed: vi.fn() };
    const { queue } = batcher(instance, { maxBatchSize: 0, metrics: metrics as unknown as VersionMetrics });
    const answers = [1, 2, 3].map((id) => queue.submit(row(id)));
    expect(instance.busy).toBe(2);
    instance.release();
    await Promise.all(answers.slice(0, 2));
    instance.release();
    await answers[2];
    expect(metrics.executed.mock.calls).toEqual([
      [1, 1000],
      [1, 1000],
      [1, 1000],
    ]);
    expect(metrics.queued).toHaveBeenCalledTimes(3);
    for (const [waitMs] of metrics.queued.mock.calls) expect(waitMs).toBeGreaterThanOrEqual(0);
  });

  it('counts requests refused by a full queue and requests dropped while queued', async () => {
    const instance = new EchoInstance(true);
    const { queue } = batcher(instance, { maxBatchSize: 0, maxQueueSize: 1 });
    const running = [queue.submit(row(1)), queue.submit(row(2))];
    const controller = new AbortController();
    const queued = queue.submit(row(3), controller.signal);
    await expect(queue.submit(row(4))).rejects.toMatchObject({ code: 8 });
    controller.abort(new Error('cancelled'));
    await expect(queued).rejects.toThrow('cancelled');
    instance.release();
    await Promise.all(running);
    expect(queue.stats).toEqual({ inferences: 2, dropped: 1, rejected: 1 });
  });
});
