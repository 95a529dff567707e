import { describe, expect, it } from 'vitest';
import { collectBatch, removeBatch } from './batch-selection.js';

const job = (name: string, batch: number, key = 'k') => ({ name, batch, key });

describe('batch selection', () => {
  it('takes the oldest and the compatible requests after it that fit, then removes exactly those', () => {
    const queue = [job('a', 2), job('b', 1, 'other'), job('c', 4), job('d', 3), job('e', 2)];
    const { jobs, rows } = collectBatch(queue, 8, true);
    expect(jobs.map((j) => j.name)).toEqual(['a', 'c', 'e']);
    expect(rows).toBe(8);
    removeBatch(queue, jobs);
    expect(queue.map((j) => j.name)).toEqual(['b', 'd']);
  });

  it('without dynamic batching takes the oldest alone', () => {
    const queue = [job('a', 1), job('b', 1)];
    const { jobs, rows } = collectBatch(queue, 8, false);
    expect(jobs.map((j) => j.name)).toEqual(['a']);
    expect(rows).toBe(1);
    removeBatch(queue, jobs);
    expect(queue.map((j) => j.name)).toEqual(['b']);
  });
});
