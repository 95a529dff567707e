/**
 * A runner that stops answering without closing its connection (a SIGSTOPped process, a hung
 * one, a host gone without a FIN) costs no call: the gateway's keepalive PING on its HTTP/2
 * session to the runner goes unanswered, the session is closed after
 * `gateway.runnerKeepaliveMs`, and the calls that were in flight on it go to the other
 * runner, long before their deadline. A TCP relay in front of one of two real runners plays
 * the stopped runner: connections opened after it freezes are accepted and never answered
 * (the kernel of a stopped process does as much), while the connection the gateway's Status
 * polls use keeps working, so the gateway keeps sending calls there.
 */
import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InferenceClient } from '@infermesh/client';
import { waitFor } from '@infermesh/testkit';
import { startRelayedRunners, type RelayedRunners } from '../harness/index.js';

/** Relays TCP to `target`; after `freeze()`, new connections are held open and never answered. */
async function freezingRelay(target: string) {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  let frozen = false;
  const stats = { frozenConnections: 0, closedByGateway: 0 };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (frozen) {
      stats.frozenConnections++;
      // Answer nothing (what is read is dropped, so that the gateway's FIN is seen).
      socket.on('data', () => undefined);
      socket.on('end', () => stats.closedByGateway++);
      return;
    }
    const upstream = net.connect(port, host);
    upstream.on('error', () => socket.destroy());
    socket.on('close', () => upstream.destroy());
    upstream.on('close', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    stats,
    freeze: () => (frozen = true),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const CALLS = 40;
/** Far longer than the keepalive: a call that waited for its deadline fails the test. */
const CALL_TIMEOUT_MS = 20_000;
const input = { datatype: 'INT32' as const, shape: [1, 16], data: new Int32Array(16).fill(3) };

describe('a runner that stops answering (http2 forwarding)', () => {
  let mesh: RelayedRunners<Awaited<ReturnType<typeof freezingRelay>>>;

  beforeAll(async () => {
    mesh = await startRelayedRunners(freezingRelay, { forwarding: 'http2', runnerKeepaliveMs: 200 });
    const { pool } = mesh.gateway;
    await waitFor(async () => pool.runners.every((runner) => runner.healthy && runner.serves('simple', '1')), 30_000, 'both runners to serve simple');
  }, 120_000);

  afterAll(() => mesh?.close());

  it('answers the calls in flight on it from the other runner before their deadline', async () => {
    const { client, relay } = mesh;
    // No ModelInfer went through the relay yet: the gateway's session to it opens frozen.
    relay.freeze();
    const results = await Promise.allSettled(
      Array.from({ length: CALLS }, () => client.infer('simple', { INPUT0: input, INPUT1: input }, { timeoutMs: CALL_TIMEOUT_MS })),
    );
    const failed = results.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason));
    expect(failed).toEqual([]);
    for (const result of results) {
      expect(Array.from((result as PromiseFulfilledResult<Awaited<ReturnType<InferenceClient['infer']>>>).value.outputs.OUTPUT0!.data as Int32Array)).toEqual(new Array(16).fill(6));
    }
    // Calls were sent to the stopped runner, and the gateway gave up its session there.
    expect(relay.stats.frozenConnections).toBeGreaterThan(0);
    expect(relay.stats.closedByGateway).toBeGreaterThan(0);
  }, 60_000);
});
