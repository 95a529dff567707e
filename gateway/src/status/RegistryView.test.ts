/** The status page's view of a registry that does not answer: it says why, and shows the route stream as it is. */
import { afterAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { registryProto } from '@infermesh/proto/registry';
import { RegistryView } from './RegistryView.js';

describe('RegistryView', () => {
  // Nothing listens on port 1: every call fails with UNAVAILABLE.
  const client = new registryProto.Registry('127.0.0.1:1', grpc.credentials.createInsecure());
  afterAll(() => client.close());

  it('reports an unreachable registry with the reason and the route stream as it is', async () => {
    const view = new RegistryView(client, '127.0.0.1:1', () => ({ connected: false, revision: '0' }));
    const health = await view.health();
    expect(health).toMatchObject({ address: '127.0.0.1:1', connected: false, revision: '0', policies: {}, history: [] });
    expect(health.error).toMatch(/\S/);
    expect(health).not.toHaveProperty('lastUpdateAtMs');
  });
});
