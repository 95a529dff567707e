/**
 * `infermesh up`: writes the example models into <dataDir>/models, then runs the local mesh
 * as separate processes (the registry, with the example models registered; the runner
 * supervisor, which starts and restarts the runners; the gateway, which follows the
 * registry's routes), prints `infermesh ready` with the addresses once every example model
 * is served, and stops every child on Ctrl-C/SIGTERM. A service that cannot start stops the
 * mesh, naming it and its fatal line; one that dies later is started again with backoff on
 * the same address while the others keep serving. `--log-format pretty` turns the services'
 * pino JSON lines into short text; `json` passes them through and writes `up`'s own lines as
 * JSON too, so that the whole stream parses line by line.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RegistryClient } from '@infermesh/client';
import { GATEWAY_NODE_FLAGS, loadConfig, mainScript, readEnvironment, SINK_PUBLISHER_MUST_NOT_LOSE_CLOSE_MS, type SpawnOptions } from '@infermesh/common';
import { clientSecurityOf } from './client-security.js';
import { registerExamples, waitUntilServing } from './examples.js';
import { formatLogLine } from './format-log-line.js';
import { KeptService } from './kept-service.js';
import { writeExamples } from './write-examples.js';

/** How long the example models may take to load on the runners. */
const SERVING_TIMEOUT_MS = 180_000;

export const LOG_FORMATS = ['pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export interface UpOptions {
  config: string;
  logFormat: LogFormat;
  /** Turns the gateway's access log on, whatever the config says. */
  accessLog?: boolean;
}

/** `up`'s own line as a pino-shaped JSON record (level 30 info, 50 error) of service `infermesh`. */
const jsonLine = (msg: string, level: number, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ level, time: Date.now(), service: 'infermesh', pid: process.pid, msg, ...fields });

export async function up(options: UpOptions): Promise<void> {
  const env = readEnvironment();
  // Every section, the registry's included, is checked here, so a bad one stops `up` before anything starts.
  const { mesh } = loadConfig(options.config, env);
  const children: KeptService[] = [];
  const json = options.logFormat === 'json';
  const print = (line: string) => process.stdout.write(`${json ? line : formatLogLine(line)}\n`);
  let stopping = false;

  const stopAll = async (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    // Gateway first so no call reaches a runner that is going away. With mustNotLose it waits
    // for the sink (still up) to take its records: it gets that long before a SIGKILL.
    for (const child of [...children].reverse()) {
      await child.stop(child.name === 'gateway' && mesh.sink.publisher.mustNotLose ? SINK_PUBLISHER_MUST_NOT_LOSE_CLOSE_MS + 5_000 : undefined);
    }
    process.exit(exitCode);
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));

  const say = (line: string, fields?: Record<string, unknown>) => process.stdout.write(`${json ? jsonLine(line, 30, fields) : line}\n`);
  const complain = (line: string) => process.stderr.write(`${json ? jsonLine(line, 50) : line}\n`);
  /** Starts a service that is kept up from then on; `portVariable` pins its port across restarts. */
  const keep = async (options: SpawnOptions, portVariable?: string) => {
    const child = await KeptService.start({ ...options, onLine: print }, complain, portVariable);
    children.push(child);
    return child;
  };
  try {
    const examples = join(mesh.dataDir, 'models');
    await writeExamples(examples, say);
    const baseEnv = { INFERMESH_CONFIG: options.config, INFERMESH_DATA_DIR: mesh.dataDir };
    // The registry places every version; runners start from their (possibly empty) repositories.
    for (const runner of mesh.runners) await mkdir(runner.modelRepository!, { recursive: true });
    const registry = await keep({ name: 'registry', script: mainScript('@infermesh/registry'), env: baseEnv }, 'INFERMESH_REGISTRY_PORT');
    const withRegistry = { ...baseEnv, INFERMESH_REGISTRY_ADDRESS: registry.address };
    // With the config's tls and INFERMESH_TOKEN, as every CLI command connects.
    const client = new RegistryClient(registry.address, clientSecurityOf({ config: options.config }));
    try {
      const stable = await registerExamples(client, examples, say);
      // The supervisor's `listening` address is every runner's address, in config order.
      // Its runners die with it (their stdin pipe from it closes); a new one starts them again.
      const supervisor = await keep({ name: 'supervisor', script: mainScript('@infermesh/runners', 'supervisor-main.js'), env: withRegistry });
      const addresses = supervisor.address.split(',');
      // The sink before the gateway, so the gateway's first records have somewhere to go.
      const sink = await keep({ name: 'sink', script: mainScript('@infermesh/sink'), env: baseEnv }, 'INFERMESH_SINK_PORT');
      const gateway = await keep(
        { name: 'gateway', script: mainScript('@infermesh/gateway'), nodeFlags: GATEWAY_NODE_FLAGS, env: { ...withRegistry, INFERMESH_SINK_ADDRESS: sink.address, ...(options.accessLog ? { INFERMESH_GATEWAY_ACCESS_LOG: '1' } : {}) } },
        'INFERMESH_GATEWAY_PORT',
      );
      await waitUntilServing(client, stable, SERVING_TIMEOUT_MS);
      const runnerList = mesh.runners.map((r, i) => `${r.name} ${addresses[i]} [${r.device}]`).join(', ');
      const statusPage = `http://${mesh.gateway.host}:${mesh.gateway.httpPort}/`;
      say(`infermesh ready: gateway ${gateway.address}, status page ${statusPage}, registry ${registry.address}, sink ${sink.address} (runners: ${runnerList})`, {
        gateway: gateway.address,
        status_page: statusPage,
        registry: registry.address,
        sink: sink.address,
        runners: mesh.runners.map((r, i) => ({ name: r.name, address: addresses[i], device: r.device })),
      });
    } finally {
      client.close();
    }
  } catch (error) {
    complain(`infermesh: failed to start: ${(error as Error).message}`);
    await stopAll(1);
  }
}
