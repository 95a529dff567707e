/**
 * A service that cannot start exits 1 at once, whatever it had opened, and the one who
 * spawned it hears why: the gateway whose status-page port is taken has already bound its
 * gRPC port then, which used to keep the failed process alive.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GATEWAY_NODE_FLAGS, spawnService } from '@infermesh/common';
import { mainScript } from '../harness/index.js';

let work: string;
let taken: Server;
let takenPort: number;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'infermesh-service-start-'));
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  takenPort = (taken.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => taken?.close(resolve));
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a service that cannot start', () => {
  it('exits 1 by itself, and spawnService rejects naming the service and its fatal line', async () => {
    const configFile = join(work, 'gateway.json');
    const config = {
      dataDir: work,
      runners: [{ name: 'r', device: 'cpu', host: '127.0.0.1', port: 1 }],
      gateway: { host: '127.0.0.1', port: 0, httpPort: takenPort },
    };
    await writeFile(configFile, JSON.stringify(config));
    // A start timeout far beyond the test's: the rejection can only come from the process exiting.
    const started = spawnService({ name: 'gateway', script: mainScript('@infermesh/gateway'), nodeFlags: GATEWAY_NODE_FLAGS, env: { INFERMESH_CONFIG: configFile }, startTimeoutMs: 3_600_000 });
    const failure = await started.then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(/^gateway exited \(1\) before listening: failed to start: .*EADDRINUSE/);
  });

  it('exits 1 when its own port is taken (the registry)', async () => {
    const configFile = join(work, 'registry.json');
    await writeFile(configFile, JSON.stringify({ dataDir: join(work, 'registry-data'), runners: [{ name: 'r', device: 'cpu' }] }));
    const failure = await spawnService({
      name: 'registry',
      script: mainScript('@infermesh/registry'),
      env: { INFERMESH_CONFIG: configFile, INFERMESH_REGISTRY_PORT: String(takenPort) },
      startTimeoutMs: 3_600_000,
    }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(/^registry exited \(1\) before listening: failed to start: .*(EADDRINUSE|No address added)/);
  });
});
