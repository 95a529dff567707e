import { describe, expect, it } from 'vitest';
import { instanceKey, instanceOfValue, instanceValue, MAX_INSTANCE_VALUE_BYTES, serviceKeyPrefix } from './etcd-keys.js';

describe('etcd instance keys and values', () => {
  it('puts an instance under its service, and reads back what it put', () => {
    expect(serviceKeyPrefix('/infermesh', 'infermesh-runner')).toBe('/infermesh/services/infermesh-runner/');
    expect(instanceKey('/infermesh', 'infermesh-runner', 'infermesh-runner-cpu-0')).toBe('/infermesh/services/infermesh-runner/infermesh-runner-cpu-0');
    const instance = { id: 'infermesh-runner-cpu-0', host: '10.0.0.1', port: 8101, tags: ['runner', 'cpu'], meta: { runner: 'cpu-0', device: 'cpu' } };
    expect(instanceOfValue(Buffer.from(instanceValue(instance)))).toEqual(instance);
  });

  it('skips values that are no instance: not JSON, no address, a bad port, too large', () => {
    expect(instanceOfValue(Buffer.from('not json'))).toBeUndefined();
    expect(instanceOfValue(Buffer.from('null'))).toBeUndefined();
    expect(instanceOfValue(Buffer.from(JSON.stringify({ id: 'a', port: 80 })))).toBeUndefined();
    expect(instanceOfValue(Buffer.from(JSON.stringify({ id: 'a', host: 'h', port: 70_000 })))).toBeUndefined();
    expect(instanceOfValue(Buffer.alloc(MAX_INSTANCE_VALUE_BYTES + 1, 32))).toBeUndefined();
    // Odd tags and meta are dropped, not the instance.
    expect(instanceOfValue(Buffer.from(JSON.stringify({ id: 'a', host: 'h', port: 1, tags: [1, 'ok'], meta: { n: 1, s: 'x' } })))).toEqual({ id: 'a', host: 'h', port: 1, tags: ['ok'], meta: { s: 'x' } });
  });
});
