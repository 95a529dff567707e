import { resolveMeshConfig, silentLogger } from '@infermesh/common';
import { describe, expect, it } from 'vitest';
import { sinkPublisherOptions } from './publisher-options.js';

const logger = silentLogger();
const mesh = (sink?: Record<string, unknown>) =>
  resolveMeshConfig({ runners: [{ name: 'r', device: 'cpu' }], ...(sink ? { sink } : {}) }, {}, 'test.yaml');

describe('sinkPublisherOptions', () => {
  it('is undefined for a mesh without a sink', () => {
    expect(sinkPublisherOptions(mesh(), {}, logger)).toBeUndefined();
  });

  it('takes the address from INFERMESH_SINK_ADDRESS, then sink.publisher.address, then sink.host:sink.port', () => {
    expect(sinkPublisherOptions(mesh({}), {}, logger)).toMatchObject({ address: '127.0.0.1:8201', mustNotLose: false });
    expect(sinkPublisherOptions(mesh({ host: '10.0.0.5', port: 9000 }), {}, logger)?.address).toBe('10.0.0.5:9000');
    expect(sinkPublisherOptions(mesh({ publisher: { address: 'sink:7000' } }), {}, logger)?.address).toBe('sink:7000');
    expect(sinkPublisherOptions(mesh({ publisher: { address: 'sink:7000' } }), { sinkAddress: 'other:1' }, logger)?.address).toBe('other:1');
    expect(sinkPublisherOptions(mesh(), { sinkAddress: 'other:1' }, logger)?.address).toBe('other:1');
  });

  it('reads sink.publisher and names a bad key', () => {
    const options = sinkPublisherOptions(
      mesh({ publisher: { mustNotLose: true, maxBufferedRecords: 50, captureInputs: ['simple'], headers: ['x-user'], maxTensorBytes: 4096 } }),
      {},
      logger,
    );
    expect(options).toMatchObject({ mustNotLose: true, maxBufferedRecords: 50, captureInputs: ['simple'], headers: ['x-user'], maxTensorBytes: 4096 });
    expect(() => sinkPublisherOptions(mesh({ publisher: { maxBufferedRecords: 0 } }), {}, logger)).toThrow(
      'sink.publisher.maxBufferedRecords: expected an integer 1..10000000, got 0',
    );
    expect(() => sinkPublisherOptions(mesh({ publisher: { mustNotLose: 'yes' } }), {}, logger)).toThrow('sink.publisher.mustNotLose: expected true or false, got "yes"');
    expect(() => sinkPublisherOptions(mesh({ publisher: { headers: ['X-User'] } }), {}, logger)).toThrow(/^sink\.publisher\.headers: /);
  });
});
