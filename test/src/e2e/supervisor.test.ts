/**
 * The runner supervisor with real runner processes: a runner killed with SIGKILL under load
 * costs the callers nothing (the gateway retries on the other runner), comes back on its
 * port, takes calls again, and gets back the versions LoadModel had given it.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnService, type SpawnedService } from '@infermesh/common';
import { InferenceClient, type InputTensor } from '@infermesh/client';
import { exampleRepository, mlpModel, RunnerProbe, waitFor } from '@infermesh/testkit';
import { mainScript, startMesh, type TestMesh } from '../harness/index.js';

const input: Record<string, InputTensor> = {
  input: { datatype: 'FP32', shape: [1, 64], data: new Float32Array(64).fill(0.5) },
};

/** Requests the runner has answered with outputs, over every version of `model`. */
async function inferences(probe: RunnerProbe, model: string): Promise<number> {
  const status = await probe.status();
  return status.models.filter((m) => m.name === model).reduce((sum, m) => sum + Number(m.inferences), 0);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let repo: Awaited<ReturnType<typeof exampleRepository>>;
let work: string;
let mesh: TestMesh;
let client: InferenceClient;

beforeAll(async () => {
  repo = await exampleRepository();
  work = await mkdtemp(join(tmpdir(), 'infermesh-supervisor-'));
  mesh = await startMesh({ modelRepository: repo.dir, devices: ['cpu', 'cpu'], supervised: true, supervisorPollMs: 200 });
  client = new InferenceClient(mesh.gateway);
  await waitFor(async () => (await client.infer('mlp', input)).modelVersion === '2', 30_000, 'mlp through the gateway');
}, 120_000);

afterAll(async () => {
  client?.close();
  await mesh?.stop();
  await repo?.remove();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('supervisor', () => {
  it('restarts a runner killed with SIGKILL mid-load on its port, and no call fails', async () => {
    const supervisor = mesh.supervisor!;
    const [victim] = supervisor.runners();
    const probe = new RunnerProbe(victim!.address);
    /** Time from the kill until a new process answers ModelReady('mlp') on the same address. */
    const recoveryTime = async (since: number) => {
      await waitFor(
        async () => ![undefined, victim!.pid].includes(supervisor.runners()[0]!.pid),
        60_000,
        'a new runner process',
      );
      await waitFor(() => probe.modelReady('mlp'), 60_000, 'the restarted runner to serve mlp');
      return performance.now() - since;
    };
    try {
      const total = 2_000;
      const killAfter = 400;
      const failures = new Map<string, number>();
      let sent = 0;
      let done = 0;
      let killedAt = 0;
      let recovered: Promise<number> | undefined;
      const caller = async () => {
        while (sent < total) {
          sent++;
          try {
            await client.infer('mlp', input, { timeoutMs: 10_000 });
          } catch (error) {
            const { code, details } = error as { code: number; details: string };
            const key = `${code} ${details}`;
            failures.set(key, (failures.get(key) ?? 0) + 1);
          }
          if (++done === killAfter) {
            killedAt = performance.now();
            process.kill(victim!.pid!, 'SIGKILL');
            recovered = recoveryTime(killedAt);
          }
        }
      };
      await Promise.all(Array.from({ length: 16 }, caller));
      const loopMs = performance.now() - killedAt;

      expect(killedAt).toBeGreaterThan(0);
      expect(Object.fromEntries(failures)).toEqual({});

      const recoveryMs = await recovered!;
      const restarted = supervisor.runners()[0]!;
      expect(restarted).toMatchObject({ name: victim!.name, address: victim!.address, restarts: 1 });
      expect(restarted.pid).not.toBe(victim!.pid);

      // The gateway sends calls to the restarted runner again.
      const before = await inferences(probe, 'mlp');
      await waitFor(
        async () => {
          await Promise.all(Array.from({ length: 16 }, () => client.infer('mlp', input)));
          return (await inferences(probe, 'mlp')) > before;
        },
        30_000,
        'the gateway to route to the restarted runner',
      );
      const routedMs = performance.now() - killedAt;
      console.log(
        `kill -9 of ${victim!.name}: ${total} calls, 0 failed (${killAfter} before the kill, the rest in ${Math.round(loopMs)} ms after it); ` +
          `restarted runner ready ${Math.round(recoveryMs)} ms after the kill; gateway routing to it confirmed ${Math.round(routedMs)} ms after the kill (checked once the loop ended)`,
      );
    } finally {
      probe.close();
    }
  }, 120_000);

  it('gives a restarted runner back the versions LoadModel had added', async () => {
    const supervisor = mesh.supervisor!;
    const runner = supervisor.runners()[1]!;
    const probe = new RunnerProbe(runner.address);
    try {
      const artifact = join(work, 'mlp-7.onnx');
      await writeFile(artifact, mlpModel(1));
      const loaded = await probe.loadModel({ name: 'mlp', version: '7', artifact_path: artifact, config_yaml: 'instances: 2\n' });
      expect(loaded).toMatchObject({ ok: true, value: { state: 'READY', instances: 2 } });
      // The supervisor learns what a runner holds by asking it (every 200 ms here).
      await waitFor(async () => supervisor.runners()[1]!.restorable.includes('mlp:7'), 30_000, 'the supervisor to know mlp 7');

      process.kill(runner.pid!, 'SIGKILL');
      await waitFor(async () => supervisor.runners()[1]!.restarts === 1, 30_000, 'the restart');
      await waitFor(async () => (await probe.version('mlp', '7'))?.state === 'READY', 60_000, 'mlp 7 to be restored');
      expect(await probe.version('mlp', '7')).toMatchObject({ artifact_path: artifact, instances: 2 });
      expect(supervisor.runners()[1]!.pid).not.toBe(runner.pid);
      expect(await probe.modelReady('mlp', '1')).toBe(true);
    } finally {
      probe.close();
    }
  }, 120_000);
});

/** A supervisor process over runners `cpu-a` and `cpu-b` in `work/<name>`, with the runners' pids from its log. */
async function supervisorProcess(name: string): Promise<{ supervisor: SpawnedService; pids: number[] }> {
  const dataDir = join(work, name);
  await mkdir(dataDir);
  const configFile = join(dataDir, 'infermesh.json');
  const runners = ['cpu-a', 'cpu-b'].map((runner) => ({ name: runner, device: 'cpu', port: 0, modelRepository: repo.dir, intraOpThreads: 1 }));
  await writeFile(configFile, JSON.stringify({ dataDir, runners }));
  const pids: number[] = [];
  const supervisor = await spawnService({
    name: 'supervisor',
    script: mainScript('@infermesh/runners', 'supervisor-main.js'),
    env: { INFERMESH_CONFIG: configFile },
    onLine: (line, stream) => {
      if (stream !== 'stdout' || !line.includes('"runners started"')) return;
      const record = JSON.parse(line) as { runners: { pid: number }[] };
      pids.push(...record.runners.map((runner) => runner.pid));
    },
  });
  return { supervisor, pids };
}

describe('supervisor process', () => {
  it('announces every runner address in its listening line and stops them all on SIGTERM', async () => {
    const { supervisor, pids } = await supervisorProcess('process');
    try {
      const addresses = supervisor.address.split(',');
      expect(addresses).toHaveLength(2);
      expect(pids).toHaveLength(2);
      for (const address of addresses) {
        const probe = new RunnerProbe(address);
        try {
          expect((await probe.status()).runner_name).toMatch(/^cpu-[ab]$/);
        } finally {
          probe.close();
        }
      }
    } finally {
      await supervisor.stop();
    }
    expect(await supervisor.exited).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
  }, 60_000);

  it('takes its runners with it when killed with SIGKILL: no orphan keeps a runner port', async () => {
    const { supervisor, pids } = await supervisorProcess('killed');
    const ports = supervisor.address.split(',').map((address) => Number(address.slice(address.lastIndexOf(':') + 1)));
    expect(pids.filter(alive)).toHaveLength(2);
    supervisor.child.kill('SIGKILL');
    expect(await supervisor.exited).toBe('SIGKILL');
    await waitFor(async () => pids.filter(alive).length === 0, 30_000, 'the runners of the killed supervisor to exit');
    for (const port of ports) expect(await portFree(port)).toBe(true);
  }, 60_000);
});

/** Whether a server can listen on 127.0.0.1:`port` now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
