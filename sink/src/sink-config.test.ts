import path from 'node:path';
import { resolveMeshConfig } from '@infermesh/common';
import { describe, expect, it } from 'vitest';
import { parseSinkConfig, SOURCE_DEAD_LETTERS } from './sink-config.js';

const mesh = (sink?: Record<string, unknown>) =>
  resolveMeshConfig({ dataDir: '/data/mesh', runners: [{ name: 'r', device: 'cpu' }], ...(sink ? { sink } : {}) }, {}, 'test.yaml');

describe('parseSinkConfig', () => {
  it('defaults to a jsonl destination under <dataDir>/predictions and a spool under <dataDir>/sink', () => {
    const config = parseSinkConfig(mesh());
    expect(config).toMatchObject({ host: '127.0.0.1', port: 8201, metricsPort: 8202, gateway: '127.0.0.1:8001', sources: [] });
    expect(config.spool.dir).toBe(path.resolve('/data/mesh/sink/spool'));
    expect(config.destinations).toEqual([
      expect.objectContaining({ name: 'predictions', type: 'jsonl', dir: path.resolve('/data/mesh/predictions'), prefix: 'predictions' }),
    ]);
    expect(config.destinations[0]).toMatchObject({
      filter: { models: [], status: 'all', kinds: ['prediction'] },
      batch: { maxRecords: 500, maxDelayMs: 200 },
      retry: { maxAttempts: 10, initialDelayMs: 200, maxDelayMs: 30_000 },
    });
  });

  it('takes INFERMESH_SINK_PORT over sink.port', () => {
    expect(parseSinkConfig(mesh({ port: 9000 }), { sinkPort: 0 }).port).toBe(0);
  });

  it('names the key at fault as sink.<key>', () => {
    expect(() => parseSinkConfig(mesh({ destinations: [{ name: 'pg', type: 'postgres', url: 'mysql://x' }] }))).toThrow(
      'sink.destinations.0.url: expected a postgres:// URL',
    );
    expect(() => parseSinkConfig(mesh({ destinations: [{ name: 'x', type: 'kafka' }] }))).toThrow(
      "sink.destinations.0.type: expected type 'jsonl', 'http', 'postgres', 'redis' or 'nats'",
    );
    expect(() => parseSinkConfig(mesh({ spool: { segmentBytes: 10 } }))).toThrow(/^sink\.spool\.segmentBytes: /);
    expect(() => parseSinkConfig(mesh({ destinations: [{ name: 'a', type: 'jsonl', retry: { maxAttempts: -1 } }] }))).toThrow(
      /^sink\.destinations\.0\.retry\.maxAttempts: /,
    );
    expect(() => parseSinkConfig(mesh({ colour: 'red' }))).toThrow(/^sink: Unrecognized key: "colour"/);
    expect(() =>
      parseSinkConfig(mesh({ destinations: [{ name: 'a', type: 'jsonl' }, { name: 'a', type: 'http', url: 'http://h/' }] })),
    ).toThrow("sink.destinations.1.name: duplicate name 'a'");
  });

  it('adds a jsonl destination for source dead letters when no destination takes them', () => {
    const config = parseSinkConfig(mesh({ sources: [{ name: 'in', type: 'nats', subject: 'in.>' }] }));
    expect(config.destinations.map((d) => d.name)).toEqual(['predictions', SOURCE_DEAD_LETTERS]);
    expect(config.destinations[1]).toMatchObject({ type: 'jsonl', dir: path.resolve('/data/mesh/sink/dead-letters'), filter: { kinds: ['dead-letter'] } });
    const explicit = parseSinkConfig(
      mesh({ sources: [{ name: 'in', type: 'nats', subject: 'in' }], destinations: [{ name: 'all', type: 'jsonl', filter: { kinds: ['prediction', 'dead-letter'] } }] }),
    );
    expect(explicit.destinations.map((d) => d.name)).toEqual(['all']);
  });
});
