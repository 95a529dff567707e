import { describe, expect, it } from 'vitest';
import { instanceAddress, instancesOf } from './service-instance.js';

describe('instancesOf', () => {
  it('reads the dialable instances of a health answer, the service address before the node address', () => {
    const body = [
      { Node: { Address: '10.0.0.9' }, Service: { ID: 'b', Port: 8102, Address: '', Tags: ['cpu'], Meta: { runner: 'b' } }, Checks: [] },
      { Node: { Address: '10.0.0.9' }, Service: { ID: 'a', Port: 8101, Address: '10.0.0.1', Tags: null, Meta: null }, Checks: [] },
      { Node: { Address: '10.0.0.9' }, Service: { ID: 'no-port', Address: '10.0.0.2' } },
      { Node: {}, Service: { ID: 'no-address', Port: 1 } },
      { Service: { ID: 'bad-port', Port: 70_000, Address: 'h' } },
      'garbage',
    ];
    expect(instancesOf(body)).toEqual([
      { id: 'a', host: '10.0.0.1', port: 8101, tags: [], meta: {} },
      { id: 'b', host: '10.0.0.9', port: 8102, tags: ['cpu'], meta: { runner: 'b' } },
    ]);
    expect(instancesOf({ not: 'a list' })).toEqual([]);
  });

  it('brackets an IPv6 host in an address', () => {
    expect(instanceAddress({ host: 'fd00::1', port: 80 })).toBe('[fd00::1]:80');
    expect(instanceAddress({ host: '10.0.0.1', port: 80 })).toBe('10.0.0.1:80');
  });
});
