import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mainScript } from '@infermesh/common';
import { KeptService } from './kept-service.js';

let work: string;
let configFile: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'infermesh-kept-'));
  configFile = join(work, 'infermesh.json');
  // Port 0: only the pinning by INFERMESH_REGISTRY_PORT can bring it back on the same address.
  await writeFile(configFile, JSON.stringify({ dataDir: work, runners: [{ name: 'r', device: 'cpu' }], registry: { host: '127.0.0.1', port: 0 } }));
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function until(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !check(); waited += 50) {
    if (waited > 60_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('KeptService', () => {
  it('starts a service killed with SIGKILL again on the port it first bound, and no more once stopped', async () => {
    const said: string[] = [];
    const registry = await KeptService.start(
      { name: 'registry', script: mainScript('@infermesh/registry'), env: { INFERMESH_CONFIG: configFile } },
      (line) => said.push(line),
      'INFERMESH_REGISTRY_PORT',
    );
    const address = registry.address;
    try {
      const first = registry.pid;
      process.kill(first!, 'SIGKILL');
      await until(() => said.some((line) => line.startsWith('infermesh: registry is back on')), 'the registry to be back');
      expect(said[0]).toMatch(/^infermesh: registry exited \(SIGKILL\); starting it again in 100 ms/);
      expect(said[1]).toMatch(new RegExp(`^infermesh: registry is back on ${address} \\(restart 1, \\d+ ms after it exited\\)`));
      expect(registry.address).toBe(address);
      expect(registry.pid).not.toBe(first);
      expect(registry.restarts).toBe(1);
    } finally {
      await registry.stop();
    }
    expect(said).toHaveLength(2);
  });
});
