/**
 * The mesh of `npm start`, run the same way: `infermesh up` as a child process, on a
 * temporary data folder and free loopback ports, with the embedded config's services (two
 * CPU runners under a supervisor, the registry, the sink with its jsonl destination, the
 * gateway), and a second sink destination: an http one, to a receiver process the suite runs
 * itself. A second gateway replica can be started beside `up`'s on the same registry, sink
 * and runners. Processes are found through /proc, as an operator would find them with `ps`.
 * The fault suite and the attack suite both run against it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { GATEWAY_NODE_FLAGS, mainScript, spawnService, type SpawnedService } from '@infermesh/common';
import { Receiver } from './receiver.js';

/** The services `up` starts, by the name it gives them. */
export type ServiceName = 'registry' | 'supervisor' | 'sink' | 'gateway';

const scripts: Record<ServiceName, string> = {
  registry: mainScript('@infermesh/registry'),
  supervisor: mainScript('@infermesh/runners', 'supervisor-main.js'),
  sink: mainScript('@infermesh/sink'),
  gateway: mainScript('@infermesh/gateway'),
};
const runnerScript = mainScript('@infermesh/runners');

/** A line `up` printed on stderr (its own messages: restarts), with when it arrived. */
export interface UpEvent {
  at: number;
  line: string;
}

export interface LocalMesh {
  dataDir: string;
  /** The mesh config `up` was started with (JSON, which is YAML). */
  configFile: string;
  gateway: string;
  /** host:port of the gateway's HTTP port: status page, /metrics, the REST API. */
  gatewayHttp: string;
  registry: string;
  /** The runners' addresses, in config order. */
  runners: string[];
  /** Folder of the sink's jsonl destination. */
  predictionsDir: string;
  /** The sink's second destination, an http receiver process. */
  receiver: Receiver;
  /** `up`'s own messages so far (restarts, failures). */
  events: UpEvent[];
  /** Every line `up` printed on stdout so far (its own and its services'). */
  output: string[];
  /** Whether `up` still runs. */
  upRunning(): boolean;
  /** Pids of `up`'s child running `service` (one, or none while it is down). */
  pidsOf(service: ServiceName): number[];
  /** Pids of runner processes, wherever their parent is (an orphan counts). */
  runnerPids(): number[];
  /** Starts another gateway process (the suite's child, not `up`'s) on free ports, with the same registry, sink and runners. */
  startGatewayReplica(): Promise<SpawnedService>;
  stop(): Promise<number | NodeJS.Signals>;
}

/** How long `up` may take to build, register and load the example models. */
const READY_TIMEOUT_MS = 300_000;

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface ProcessEntry {
  pid: number;
  ppid: number;
  argv: string[];
}

/** Every process this user can see, with its parent and command line. */
function processes(): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command name in parentheses: state, ppid, ...
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      entries.push({ pid: Number(name), ppid, argv });
    } catch {
      // Gone meanwhile.
    }
  }
  return entries;
}

/** `infermesh up`'s line that says the mesh is ready, as text or (with --log-format json) as a JSON record. */
const isReadyLine = (line: string) => line.startsWith('infermesh ready') || (line.startsWith('{"level":30,') && line.includes('"msg":"infermesh ready'));

/** Starts of the mesh tried when a port picked free was taken before its service bound it. */
const PORT_RACE_TRIES = 3;

/**
 * Starts the mesh; `extraConfig`: top-level config sections laid over the embedded ones (e.g.
 * `limits`); `upOptions` go after `up` (e.g. `--log-format json`). The mesh's ports are picked
 * free before `up` starts, so another process (a mesh started beside it, or an outgoing
 * connection's ephemeral port) can take one first: such a start is tried again on new ports.
 */
export async function startLocalMesh(extraConfig: Record<string, unknown> = {}, upOptions: string[] = []): Promise<LocalMesh> {
  for (let tries = 1; ; tries++) {
    try {
      return await startLocalMeshOnce(extraConfig, upOptions);
    } catch (error) {
      if (tries >= PORT_RACE_TRIES || !/EADDRINUSE/.test(String(error))) throw error;
      console.error(`infermesh up lost a port it was given to another process; starting it again on new ports (${tries} of ${PORT_RACE_TRIES})`);
    }
  }
}

async function startLocalMeshOnce(extraConfig: Record<string, unknown>, upOptions: string[]): Promise<LocalMesh> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'infermesh-local-mesh-'));
  const [runner0, runner1, gateway, httpPort, registry, sink, receiverPort] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  const receiver = new Receiver(receiverPort!, path.join(dataDir, 'received.txt'));
  await receiver.start();
  const runnerEntry = (name: string, port: number) => ({ name, device: 'cpu', host: '127.0.0.1', port, intraOpThreads: 1, modelRepository: path.join(dataDir, 'runner-repository') });
  const config = {
    dataDir,
    log: { level: 'info' },
    runners: [runnerEntry('cpu-0', runner0!), runnerEntry('cpu-1', runner1!)],
    gateway: { host: '127.0.0.1', port: gateway, httpPort, runnerRefreshMs: 1000 },
    registry: { host: '127.0.0.1', port: registry, leaseMs: 6000, unloadDelayMs: 10000 },
    sink: {
      host: '127.0.0.1',
      port: sink,
      metricsPort: null,
      // Inputs recorded for mlp, as npm start's config does (infermesh replay reads them).
      publisher: { headers: ['*'], captureInputs: ['mlp'] },
      // The receiver's retries back off to 2 s at most, so that it gets records soon after it is back.
      destinations: [
        { name: 'predictions', type: 'jsonl' },
        { name: 'receiver', type: 'http', url: receiver.url, retry: { maxDelayMs: 2000 } },
      ],
    },
    ...extraConfig,
  };
  const configFile = path.join(dataDir, 'infermesh.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));

  const child: ChildProcess = spawn(process.execPath, [mainScript('@infermesh/cli', 'main.js'), 'up', '--config', configFile, ...upOptions], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 0)));
  const recent: string[] = [];
  const events: UpEvent[] = [];
  const output: string[] = [];
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 40) recent.shift();
  };
  let onReady: (() => void) | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    remember(line);
    output.push(line);
    if (isReadyLine(line)) onReady?.();
  });
  createInterface({ input: child.stderr! }).on('line', (line) => {
    remember(line);
    if (line.startsWith('infermesh:')) events.push({ at: performance.now(), line });
  });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const code = await exited;
    await receiver.kill('SIGTERM');
    await rm(dataDir, { recursive: true, force: true });
    return code;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`infermesh up not ready within ${READY_TIMEOUT_MS} ms:\n${recent.join('\n')}`)), READY_TIMEOUT_MS);
      onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`infermesh up exited (${code}) before it was ready:\n${recent.join('\n')}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  onReady = undefined;

  const startGatewayReplica = async () => {
    // Its own config file only for its own status page port; the rest is the mesh's.
    const replicaConfig = path.join(dataDir, 'gateway-replica.json');
    await writeFile(replicaConfig, JSON.stringify({ ...config, gateway: { ...config.gateway, port: 0, httpPort: await freePort() } }, null, 2));
    return spawnService({
      name: 'gateway-replica',
      script: scripts.gateway,
      nodeFlags: GATEWAY_NODE_FLAGS,
      env: { INFERMESH_CONFIG: replicaConfig, INFERMESH_DATA_DIR: dataDir, INFERMESH_REGISTRY_ADDRESS: `127.0.0.1:${registry}`, INFERMESH_SINK_ADDRESS: `127.0.0.1:${sink}` },
    });
  };

  return {
    dataDir,
    configFile,
    gateway: `127.0.0.1:${gateway}`,
    gatewayHttp: `127.0.0.1:${httpPort}`,
    registry: `127.0.0.1:${registry}`,
    runners: [`127.0.0.1:${runner0}`, `127.0.0.1:${runner1}`],
    predictionsDir: path.join(dataDir, 'predictions'),
    receiver,
    events,
    output,
    upRunning: () => child.exitCode === null && child.signalCode === null,
    pidsOf: (service) =>
      processes()
        .filter((entry) => entry.ppid === child.pid && entry.argv.includes(scripts[service]))
        .map((entry) => entry.pid),
    runnerPids: () =>
      processes()
        .filter((entry) => entry.argv.includes(runnerScript) && isRunnerOf(entry, configFile))
        .map((entry) => entry.pid),
    startGatewayReplica,
    stop,
  };
}

/** Whether the runner process reads this mesh's config (its environment names the file). */
function isRunnerOf(entry: ProcessEntry, configFile: string): boolean {
  try {
    return readFileSync(`/proc/${entry.pid}/environ`, 'utf8').split('\0').includes(`INFERMESH_CONFIG=${configFile}`);
  } catch {
    return false;
  }
}
