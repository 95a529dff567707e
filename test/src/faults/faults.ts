/**
 * The faults of `npm run test:faults`, each dealt to the running local mesh while an external
 * client process calls `simple`: what was done, how many calls, how many failed, how many
 * answered calls have no prediction record in one of the sink's destinations (the jsonl file
 * and the receiver), and how long until the mesh served as before. Each fault says which
 * calls and records it may cost; everything else must come through.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { RunnerProbe } from '@infermesh/testkit';
import type { LocalMesh, ServiceName } from './local-mesh.js';
import { receivedRequestIds } from './records.js';

/** What dealing a fault did, for its recovery check and its note. */
export interface Dealt {
  /** The pids killed or stopped. */
  victims: number[];
  /** performance.now() when it struck. */
  at: number;
  /** How it went (how long something was down), for the report. */
  note?: string;
  /** A count taken as it was dealt, that the recovery check compares against. */
  baseline?: number;
}

/** What the fault tells the client process while it deals the fault. */
export interface CallWindow {
  /** The calls started from now on are counted apart... */
  open(): void;
  /** ...or those started once a call failed (the client saw the fault: a connection broke)... */
  openAtFailure(): void;
  /** ...until now (otherwise until the client stops). */
  close(): void;
}

/** What a fault adds beside the mesh (a second gateway) and the addresses the client calls. */
export interface FaultSetup {
  gateways: string[];
  close(): Promise<void>;
}

/**
 * Which failed calls a fault may cost: none; only calls in flight when it struck (the calls
 * started once the client saw it, counted in the window it opens, must all be answered); or any.
 */
export type MayFail = 'none' | 'in flight' | 'any';

/** A fault: how to deal it, when it is over, and what it may cost. */
export interface Fault {
  name: string;
  concurrency: number;
  mayFail: MayFail;
  /** Answered calls may lack a record: only where their records died in a killed process's memory. */
  mayLoseRecords?: boolean;
  /** The runners must be gone with it (no orphan keeps a runner port). */
  takesRunners?: boolean;
  setup?(mesh: LocalMesh): Promise<FaultSetup>;
  deal(mesh: LocalMesh, window: CallWindow): Promise<Dealt>;
  /** True once the mesh serves as before the fault. */
  recovered(mesh: LocalMesh, dealt: Dealt): Promise<boolean>;
}

/** How long a runner stays stopped (SIGSTOP), and the receiver down. */
const RUNNER_STOP_MS = 8_000;
const RECEIVER_DOWN_MS = 8_000;

/** Every runner of the mesh answers ModelReady('simple'). */
async function runnersServe(mesh: LocalMesh): Promise<boolean> {
  const probes = mesh.runners.map((address) => new RunnerProbe(address));
  try {
    return (await Promise.all(probes.map((probe) => probe.modelReady('simple').catch(() => false)))).every(Boolean);
  } finally {
    for (const probe of probes) probe.close();
  }
}

/** `up` said `service` is back since the fault, and it runs as a new process. */
function serviceBack(mesh: LocalMesh, service: ServiceName, dealt: Dealt): boolean {
  const said = mesh.events.some((event) => event.at > dealt.at && event.line.startsWith(`infermesh: ${service} is back on`));
  return said && mesh.pidsOf(service).some((pid) => !dealt.victims.includes(pid));
}

/** SIGKILLs the pids (none: the fault cannot be dealt). */
function kill(name: string, victims: number[]): Dealt {
  if (victims.length === 0) throw new Error(`${name}: nothing to kill`);
  const at = performance.now();
  for (const pid of victims) process.kill(pid, 'SIGKILL');
  return { victims, at };
}

const killService = (service: ServiceName, mayFail: MayFail): Fault => ({
  name: `kill -9 ${service}`,
  concurrency: 8,
  mayFail,
  deal: async (mesh) => kill(`kill -9 ${service}`, mesh.pidsOf(service)),
  recovered: async (mesh, dealt) => serviceBack(mesh, service, dealt),
});

/** Both runners again, as new processes where one was killed, each serving `simple`. */
const runnersBack = async (mesh: LocalMesh, dealt: Dealt) => mesh.runnerPids().filter((pid) => !dealt.victims.includes(pid)).length === 2 && (await runnersServe(mesh));

const killRunner = (concurrency: number): Fault => ({
  name: `kill -9 runner (1 of 2), c=${concurrency}`,
  concurrency,
  // The gateway sends a call that broke on the killed runner to the other one.
  mayFail: 'none',
  deal: async (mesh) => kill('kill -9 runner', mesh.runnerPids().slice(0, 1)),
  recovered: runnersBack,
});

export const faults: Fault[] = [
  killRunner(8),
  killRunner(64),
  {
    ...killService('supervisor', 'any'),
    // Both runners die with it by design (README): nothing serves until the new supervisor's runners load.
    takesRunners: true,
    recovered: async (mesh, dealt) => serviceBack(mesh, 'supervisor', dealt) && mesh.runnerPids().length === 2 && (await runnersServe(mesh)),
  },
  // Off the predict path: the gateway keeps its last routes, and holds records until the sink is back.
  killService('registry', 'none'),
  killService('sink', 'none'),
  {
    ...killService('gateway', 'in flight'),
    name: 'kill -9 gateway (1 of 2)',
    // Records the killed gateway had not yet handed to the sink die in its memory.
    mayLoseRecords: true,
    setup: async (mesh) => {
      const replica = await mesh.startGatewayReplica();
      return { gateways: [mesh.gateway, replica.address], close: () => replica.stop() };
    },
    deal: async (mesh, window) => {
      const dealt = kill('kill -9 gateway', mesh.pidsOf('gateway'));
      // Until its connection's end reaches the client, a new call may still go to the killed gateway.
      window.openAtFailure();
      return dealt;
    },
  },
  {
    name: 'kill -9 receiver (sink destination)',
    concurrency: 8,
    // The sink keeps the receiver's records in its spool and retries them.
    mayFail: 'none',
    deal: async (mesh) => {
      const dealt = kill('kill -9 receiver', mesh.receiver.pid === undefined ? [] : [mesh.receiver.pid]);
      await sleep(RECEIVER_DOWN_MS);
      const before = (await receivedRequestIds(mesh.receiver.file, '')).length;
      await mesh.receiver.start();
      return { ...dealt, note: `down ${RECEIVER_DOWN_MS / 1000} s`, baseline: before };
    },
    // The receiver got records again since it came back.
    recovered: async (mesh, dealt) => (await receivedRequestIds(mesh.receiver.file, '')).length > dealt.baseline!,
  },
  {
    name: 'SIGSTOP runner (1 of 2)',
    concurrency: 8,
    // The gateway must move calls off a runner that stopped answering.
    mayFail: 'none',
    deal: async (mesh, window) => {
      const [victim] = mesh.runnerPids();
      if (victim === undefined) throw new Error('SIGSTOP runner: no runner');
      const at = performance.now();
      process.kill(victim, 'SIGSTOP');
      window.open();
      await sleep(RUNNER_STOP_MS);
      window.close();
      process.kill(victim, 'SIGCONT');
      return { victims: [], at, note: `stopped ${RUNNER_STOP_MS / 1000} s` };
    },
    recovered: async (mesh) => runnersServe(mesh),
  },
];
