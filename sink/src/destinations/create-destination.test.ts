import { silentLogger, type ResolvedDestinationConfig } from '@infermesh/common';
import { describe, expect, it } from 'vitest';
import { createDestination, destinationBackends } from './create-destination.js';

describe('createDestination', () => {
  it('has every built-in destination registered by name', () => {
    expect(destinationBackends.names()).toEqual(['jsonl', 'http', 'postgres', 'redis', 'nats']);
  });

  it('refuses a type nothing registered, naming the ones that are', () => {
    const config = { type: 'kafka', name: 'k' } as unknown as ResolvedDestinationConfig;
    expect(() => createDestination(config, silentLogger())).toThrow("unknown destination type 'kafka'; registered: jsonl, http, postgres, redis, nats");
  });
});
