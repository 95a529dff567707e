import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger.js';
import { Reachability, type DiscoveryHealth } from './Reachability.js';

describe('Reachability', () => {
  it('tells listeners and the log once per change, and keeps the last reason while unreachable', () => {
    const lines: string[] = [];
    const logger = createLogger('reachability-test', 'info', new Writable({ write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString()), done()) }));
    const reachability = new Reachability('etcd', logger);
    const heard: DiscoveryHealth[] = [];
    reachability.watch((health) => heard.push(health));
    reachability.ok();
    reachability.failed('watch: 14 UNAVAILABLE');
    reachability.failed('read: 14 UNAVAILABLE');
    expect(reachability.health()).toMatchObject({ backend: 'etcd', reachable: false, error: 'read: 14 UNAVAILABLE' });
    reachability.ok();
    reachability.ok();
    expect(heard.map((health) => health.reachable)).toEqual([true, false, true]);
    expect(reachability.health()).not.toHaveProperty('error');
    expect(lines.filter((line) => line.includes('etcd cannot be reached; keeping the instances and routes last heard'))).toHaveLength(1);
    expect(lines.filter((line) => line.includes('etcd can be reached again'))).toHaveLength(1);
  });
});
