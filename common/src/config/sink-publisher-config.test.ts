import { describe, expect, it } from 'vitest';
import { parseSinkPublisherConfig, SINK_PUBLISHER_DEFAULTS } from './sink-publisher-config.js';

describe('parseSinkPublisherConfig', () => {
  it('fills every default when the section is absent', () => {
    expect(parseSinkPublisherConfig(undefined)).toEqual({ ...SINK_PUBLISHER_DEFAULTS, captureInputs: [], headers: [] });
  });

  it('takes a byte cap for batches', () => {
    expect(parseSinkPublisherConfig({ maxBatchBytes: 1024 * 1024 }).maxBatchBytes).toBe(1024 * 1024);
    expect(SINK_PUBLISHER_DEFAULTS.maxBatchBytes).toBe(16 * 1024 * 1024);
  });

  it('names each key at fault with the value found', () => {
    expect(() => parseSinkPublisherConfig('yes')).toThrow('sink.publisher: expected a mapping');
    expect(() => parseSinkPublisherConfig({ address: 'sink', maxTensorBytes: 1.5 })).toThrow(
      'sink.publisher.address: expected host:port, got "sink"; sink.publisher.maxTensorBytes: expected an integer 1024..67108864, got 1.5',
    );
    expect(() => parseSinkPublisherConfig({ headers: ['*', 'X-User'] })).toThrow(/^sink\.publisher\.headers: expected a list of names matching .*, got \["\*","X-User"\]$/);
    expect(() => parseSinkPublisherConfig({ headers: Array(101).fill('x') })).toThrow('sink.publisher.headers: expected at most 100 names, got 101');
    expect(() => parseSinkPublisherConfig({ headers: ['x-tenant', 'authorization', 'x-amz-security-token'] })).toThrow(
      "sink.publisher.headers: 'authorization', 'x-amz-security-token' carries credentials, which never leave the mesh (names with authorization, token, secret, password, api-key, session, cookie, credential)",
    );
    expect(() => parseSinkPublisherConfig({ maxBatchBytes: 1024 })).toThrow('sink.publisher.maxBatchBytes: expected an integer 65536..33554432, got 1024');
    expect(() => parseSinkPublisherConfig({ colour: 'red' })).toThrow('sink.publisher: Unrecognized key: "colour"');
  });
});
