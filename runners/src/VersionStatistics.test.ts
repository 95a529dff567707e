import { describe, expect, it } from 'vitest';
import { VersionStatistics } from './VersionStatistics.js';

const subject = { name: 'm', version: '3', device: 'cuda:2', memoryBytes: 4096 };

describe('version statistics', () => {
  it('charges every request of a batch the batch’s whole time, and each batch size its executions’', () => {
    const statistics = new VersionStatistics();
    statistics.dequeued(3, 900);
    statistics.executed(4, 3, 10, 100, 20);
    statistics.dequeued(1, 100);
    statistics.executed(1, 1, 1, 10, 2);
    const message = statistics.toMessage(subject);
    expect(message).toMatchObject({
      execution_count: '2',
      inference_stats: {
        queue: { count: '4', ns: '1000' },
        compute_input: { count: '4', ns: String(3 * 10 + 1) },
        compute_infer: { count: '4', ns: String(3 * 100 + 10) },
        compute_output: { count: '4', ns: String(3 * 20 + 2) },
      },
    });
    expect(message.batch_stats).toEqual([
      { batch_size: '1', compute_input: { count: '1', ns: '1' }, compute_infer: { count: '1', ns: '10' }, compute_output: { count: '1', ns: '2' } },
      { batch_size: '4', compute_input: { count: '1', ns: '10' }, compute_infer: { count: '1', ns: '100' }, compute_output: { count: '1', ns: '20' } },
    ]);
  });

  it('counts rows as inferences, requests as successes and failures, and reports the GPU it runs on', () => {
    const statistics = new VersionStatistics();
    const started = performance.now();
    statistics.succeeded(8, started, started);
    statistics.succeeded(1, started, started);
    statistics.failed(started);
    const message = statistics.toMessage(subject);
    expect(message).toMatchObject({
      name: 'm',
      version: '3',
      inference_count: '9',
      inference_stats: { success: { count: '2' }, fail: { count: '1' } },
      memory_usage: [{ type: 'GPU', id: '2', byte_size: '4096' }],
    });
    expect(Number(message.last_inference)).toBeGreaterThan(0);
    expect(statistics.toMessage({ ...subject, device: 'cpu' }).memory_usage).toEqual([{ type: 'CPU', id: '0', byte_size: '4096' }]);
  });

  it('reports zeros and no batches before any request', () => {
    expect(new VersionStatistics().toMessage(subject)).toMatchObject({
      last_inference: '0',
      inference_count: '0',
      execution_count: '0',
      inference_stats: { success: { count: '0', ns: '0' }, fail: { count: '0', ns: '0' } },
      batch_stats: [],
    });
  });

  it('is where Status reads executions and executions per batch size', () => {
    const statistics = new VersionStatistics();
    expect(statistics.executions).toBe(0);
    expect(statistics.executionsPerBatchSize()).toEqual([]);
    statistics.executed(4, 2, 0, 0, 0);
    statistics.executed(1, 1, 0, 0, 0);
    statistics.executed(4, 3, 0, 0, 0);
    expect(statistics.executions).toBe(3);
    expect(statistics.executionsPerBatchSize()).toEqual([
      { batch_size: 1, executions: 1 },
      { batch_size: 4, executions: 2 },
    ]);
  });
});
