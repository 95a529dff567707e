import { describe, expect, it } from 'vitest';
import type { EnvironmentOverrides } from './env.js';
import { resolveConfig } from './resolve-config.js';

const publisher = (sink?: Record<string, unknown>, env: EnvironmentOverrides = {}) =>
  resolveConfig({ runners: [{ name: 'r', device: 'cpu' }], ...(sink ? { sink } : {}) }, env, { source: 'test.yaml' }).gateway.publisher;

describe("the gateway's publisher settings", () => {
  it('are absent for a mesh without a sink', () => {
    expect(publisher()).toBeUndefined();
    expect(publisher(undefined, { sinkPort: 9000 })).toBeUndefined();
  });

  it('take the address from INFERMESH_SINK_ADDRESS, then sink.publisher.address, then sink.host:sink.port', () => {
    expect(publisher({})).toMatchObject({ address: '127.0.0.1:8201', mustNotLose: false });
    expect(publisher({ host: '10.0.0.5', port: 9000 })?.address).toBe('10.0.0.5:9000');
    expect(publisher({ publisher: { address: 'sink:7000' } })?.address).toBe('sink:7000');
    expect(publisher({ publisher: { address: 'sink:7000' } }, { sinkAddress: 'other:1' })?.address).toBe('other:1');
    expect(publisher(undefined, { sinkAddress: 'other:1' })?.address).toBe('other:1');
  });

  it('read sink.publisher and name a bad key', () => {
    expect(
      publisher({ publisher: { mustNotLose: true, maxBufferedRecords: 50, captureInputs: ['simple'], headers: ['x-user'], maxTensorBytes: 4096 } }),
    ).toMatchObject({ mustNotLose: true, maxBufferedRecords: 50, captureInputs: ['simple'], headers: ['x-user'], maxTensorBytes: 4096 });
    expect(() => publisher({ publisher: { maxBufferedRecords: 0 } })).toThrow(
      'config test.yaml: sink.publisher.maxBufferedRecords: expected an integer 1..10000000, got 0',
    );
    expect(() => publisher({ publisher: { mustNotLose: 'yes' } })).toThrow('sink.publisher.mustNotLose: expected true or false, got "yes"');
    expect(() => publisher({ publisher: { headers: ['X-User'] } })).toThrow(/^config test\.yaml: sink\.publisher\.headers: /);
    expect(() => publisher({ port: 'x' })).toThrow(/^config test\.yaml: sink\.port: /);
  });
});
