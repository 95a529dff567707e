import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EnvironmentOverrides } from './env.js';
import { resolveConfig } from './resolve-config.js';
import { SOURCE_DEAD_LETTERS } from './resolve-sink-config.js';

const sinkOf = (sink?: Record<string, unknown>, env: EnvironmentOverrides = {}) =>
  resolveConfig({ dataDir: '/data/mesh', runners: [{ name: 'r', device: 'cpu' }], ...(sink ? { sink } : {}) }, env, { source: 'test.yaml' }).sink;

describe("the sink's settings", () => {
  it('defaults to a jsonl destination under <dataDir>/predictions and a spool under <dataDir>/sink', () => {
    const config = sinkOf();
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8201, metricsPort: 8202, gateway: '127.0.0.1:8001', sources: [] });
    expect(config.spool.dir).toBe(path.resolve('/data/mesh/sink/spool'));
    expect(config.destinations).toEqual([
      expect.objectContaining({ name: 'predictions', type: 'jsonl', dir: path.resolve('/data/mesh/predictions'), prefix: 'predictions' }),
    ]);
    expect(config.destinations[0]).toMatchObject({
      filter: { models: [], status: 'all', kinds: ['prediction'] },
      batch: { maxRecords: 500, maxDelayMs: 200 },
      retry: { maxAttempts: 0, outageWindowMs: 86_400_000, initialDelayMs: 200, maxDelayMs: 30_000 },
    });
  });

  it('takes INFERMESH_SINK_PORT over sink.port', () => {
    expect(sinkOf({ port: 9000 }, { sinkPort: 0 }).port).toBe(0);
  });

  it('names the key at fault as sink.<key>', () => {
    expect(() => sinkOf({ destinations: [{ name: 'pg', type: 'postgres', url: 'mysql://x' }] })).toThrow(
      'sink.destinations.0.url: expected a postgres:// URL',
    );
    expect(() => sinkOf({ destinations: [{ name: 'x', type: 'kafka' }] })).toThrow(
      "sink.destinations.0.type: expected type 'jsonl', 'http', 'postgres', 'redis' or 'nats'",
    );
    expect(() => sinkOf({ spool: { segmentBytes: 10 } })).toThrow(/^config test\.yaml: sink\.spool\.segmentBytes: /);
    expect(() => sinkOf({ destinations: [{ name: 'a', type: 'jsonl', retry: { maxAttempts: -1 } }] })).toThrow(
      /^config test\.yaml: sink\.destinations\.0\.retry\.maxAttempts: /,
    );
    expect(() => sinkOf({ colour: 'red' })).toThrow(/^config test\.yaml: sink: Unrecognized key: "colour"/);
    expect(() =>
      sinkOf({ destinations: [{ name: 'a', type: 'jsonl' }, { name: 'a', type: 'http', url: 'http://h/' }] }),
    ).toThrow("sink.destinations.1.name: duplicate name 'a'");
  });

  it('adds a jsonl destination for source dead letters when no destination takes them', () => {
    const config = sinkOf({ sources: [{ name: 'in', type: 'nats', subject: 'in.>' }] });
    expect(config.destinations.map((d) => d.name)).toEqual(['predictions', SOURCE_DEAD_LETTERS]);
    expect(config.destinations[1]).toMatchObject({ type: 'jsonl', dir: path.resolve('/data/mesh/sink/dead-letters'), filter: { kinds: ['dead-letter'] } });
    const explicit = sinkOf({
      sources: [{ name: 'in', type: 'nats', subject: 'in' }],
      destinations: [{ name: 'all', type: 'jsonl', filter: { kinds: ['prediction', 'dead-letter'] } }],
    });
    expect(explicit.destinations.map((d) => d.name)).toEqual(['all']);
  });
});
