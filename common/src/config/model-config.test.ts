import { describe, expect, it } from 'vitest';
import { modelConfigProblems, parseModelConfig } from './model-config.js';

describe('model config: priority levels and the response cache', () => {
  it('defaults to one level and no cache', () => {
    const config = parseModelConfig({}, 'test');
    expect(config.priority_levels).toBe(0);
    expect(config.priority_queue_policy).toEqual({});
    expect(config.response_cache).toBeUndefined();
  });

  it('names the key at fault for levels, per-level queue sizes and cache sizes that do not fit', () => {
    expect(modelConfigProblems({ priority_levels: 2, default_priority_level: 3 })).toEqual(['default_priority_level: over priority_levels 2']);
    expect(modelConfigProblems({ priority_levels: 2, priority_queue_policy: { '3': { max_queue_size: 4 } } })).toEqual([
      'priority_queue_policy.3: level 3 is over priority_levels 2',
    ]);
    expect(modelConfigProblems({ priority_levels: 2, priority_queue_policy: { high: { max_queue_size: 4 } } })[0]).toMatch(/^priority_queue_policy/);
    expect(modelConfigProblems({ response_cache: { max_bytes: 0 } })[0]).toMatch(/^response_cache\.max_bytes: /);
    expect(modelConfigProblems({ response_cache: { maxBytes: 10 } })).toContain('response_cache.maxBytes: unknown key');
  });
});
