import { describe, expect, it } from 'vitest';
import type { ModelStatistics__Output } from '@infermesh/proto';
import { mergeStatistics } from './merge-statistics.js';

const duration = (count: number, ns: number) => ({ count: String(count), ns: String(ns) });

function stats(name: string, version: string, requests: number, last: number, batches: [number, number][], memory: [string, number, number][] = []): ModelStatistics__Output {
  return {
    name,
    version,
    last_inference: String(last),
    inference_count: String(requests),
    execution_count: String(batches.reduce((sum, [, count]) => sum + count, 0)),
    inference_stats: {
      success: duration(requests, requests * 1_000),
      fail: duration(1, 500),
      queue: duration(requests, 10),
      compute_input: duration(requests, 20),
      compute_infer: duration(requests, 30),
      compute_output: duration(requests, 40),
      cache_hit: duration(requests, 5),
      cache_miss: duration(1, 7),
    },
    batch_stats: batches.map(([size, count]) => ({
      batch_size: String(size),
      compute_input: duration(count, 1),
      compute_infer: duration(count, 2),
      compute_output: duration(count, 3),
    })),
    memory_usage: memory.map(([type, id, bytes]) => ({ type, id: String(id), byte_size: String(bytes) })),
  };
}

describe('mergeStatistics', () => {
  it('sums each version over runners, keeps the latest inference time, and merges batch sizes and devices', () => {
    const merged = mergeStatistics([
      [stats('mlp', '2', 3, 1_000, [[1, 3]], [['CPU', 0, 100]]), stats('mlp', '10', 1, 5, [[1, 1]])],
      [stats('mlp', '2', 5, 2_000, [[1, 1], [4, 1]], [['CPU', 0, 50], ['GPU', 1, 70]]), stats('aaa', '1', 0, 0, [])],
      [],
    ]);
    expect(merged.map((s) => [s.name, s.version])).toEqual([
      ['aaa', '1'],
      ['mlp', '2'],
      ['mlp', '10'],
    ]);
    const mlp = merged[1]!;
    expect(mlp).toMatchObject({ last_inference: '2000', inference_count: '8', execution_count: '5' });
    expect(mlp.inference_stats).toMatchObject({ success: duration(8, 8_000), fail: duration(2, 1_000), compute_output: duration(8, 80), cache_hit: duration(8, 10), cache_miss: duration(2, 14) });
    expect(mlp.batch_stats).toEqual([
      { batch_size: '1', compute_input: duration(4, 2), compute_infer: duration(4, 4), compute_output: duration(4, 6) },
      { batch_size: '4', compute_input: duration(1, 1), compute_infer: duration(1, 2), compute_output: duration(1, 3) },
    ]);
    expect(mlp.memory_usage).toEqual([
      { type: 'CPU', id: '0', byte_size: '150' },
      { type: 'GPU', id: '1', byte_size: '70' },
    ]);
  });

  it('adds counts past 2^53 exactly', () => {
    const big = { ...stats('m', '1', 0, 0, []), inference_count: '9007199254740993' };
    expect(mergeStatistics([[big], [big]])[0]!.inference_count).toBe('18014398509481986');
  });
});
