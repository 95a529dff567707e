import { silentLogger, type SourceConfig } from '@infermesh/common';
import { describe, expect, it } from 'vitest';
import { createSource, sourceBackends } from './create-source.js';
import type { MessageHandler } from './MessageHandler.js';

describe('createSource', () => {
  it('has every built-in source registered by name', () => {
    expect(sourceBackends.names()).toEqual(['redis', 'nats', 'mqtt']);
  });

  it('refuses a type nothing registered, naming the ones that are', () => {
    const config = { type: 'kafka', name: 'k' } as unknown as SourceConfig;
    expect(() => createSource(config, {} as MessageHandler, silentLogger())).toThrow("unknown source type 'kafka'; registered: redis, nats, mqtt");
  });
});
