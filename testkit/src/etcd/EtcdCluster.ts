/**
 * A real etcd cluster for tests: N members of Debian's `etcd` (etcd-server) on free loopback
 * ports, each with its own data folder under one temp folder, joined by `--initial-cluster`.
 * Members can be killed (SIGKILL) and restarted on their data; the leader is found with the
 * maintenance status API (its JSON gateway on each member's client port).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pollUntil } from '../poll.js';

/** Where `apt-get install etcd-server` puts the binary; ETCD_BINARY names another. */
export function etcdBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.ETCD_BINARY, '/usr/bin/etcd', '/usr/local/bin/etcd'].filter((file): file is string => Boolean(file));
  return candidates.find((file) => existsSync(file));
}

/** One member of the cluster. */
export interface EtcdMember {
  readonly name: string;
  /** `http://127.0.0.1:<port>`: what clients dial. */
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  /** Whether its process runs now. */
  readonly running: boolean;
}

/** How the cluster is started. */
export interface EtcdClusterOptions {
  /** Members; 3 by default. */
  members?: number;
  /** etcd's election timeout; a short one elects a new leader soon after a kill. */
  electionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /**
   * Serve clients over TLS with `server` (its CA in `ca`) and require client certificates
   * signed by that CA; `client` is the certificate the cluster's own status checks present.
   */
  tls?: { server: { cert: string; key: string }; client: { cert: string; key: string }; ca: string };
}

/** Status of a member as its maintenance API reports it. */
interface MemberStatus {
  header?: { member_id?: string };
  leader?: string;
}

/** Last lines of each member's output kept, for the error when one will not start. */
const KEPT_LINES = 40;

class Member implements EtcdMember {
  child: ChildProcess | undefined;
  exited: Promise<void> = Promise.resolve();
  readonly lines: string[] = [];

  constructor(
    readonly name: string,
    readonly clientUrl: string,
    readonly peerUrl: string,
    readonly dataDir: string,
  ) {}

  get running(): boolean {
    return this.child !== undefined;
  }
}

export class EtcdCluster {
  private readonly all: Member[];
  private readonly onExit = () => {
    for (const member of this.all) member.child?.kill('SIGKILL');
  };

  private constructor(
    private readonly binary: string,
    private readonly root: string,
    members: Member[],
    private readonly options: Required<Omit<EtcdClusterOptions, 'members' | 'tls'>> & Pick<EtcdClusterOptions, 'tls'>,
  ) {
    this.all = members;
    // A test process that dies leaves no etcd behind.
    process.once('exit', this.onExit);
  }

  /** Starts the members and waits until they agree on a leader. */
  static async start(options: EtcdClusterOptions = {}): Promise<EtcdCluster> {
    const binary = etcdBinary();
    if (!binary) throw new Error('etcd is not installed: apt-get install etcd-server (or set ETCD_BINARY)');
    const count = options.members ?? 3;
    const root = await mkdtemp(path.join(tmpdir(), 'infermesh-etcd-'));
    const members: Member[] = [];
    for (let index = 1; index <= count; index++) {
      const [client, peer] = [await freePort(), await freePort()];
      const scheme = options.tls ? 'https' : 'http';
      members.push(new Member(`m${index}`, `${scheme}://127.0.0.1:${client}`, `http://127.0.0.1:${peer}`, path.join(root, `m${index}`)));
    }
    const cluster = new EtcdCluster(binary, root, members, {
      electionTimeoutMs: options.electionTimeoutMs ?? 1_000,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 100,
      ...(options.tls ? { tls: options.tls } : {}),
    });
    try {
      for (const member of members) cluster.spawn(member);
      await cluster.leader();
      return cluster;
    } catch (error) {
      await cluster.close();
      throw error;
    }
  }

  /** Every member's client URL, for the mesh's `etcd.endpoints`. */
  get endpoints(): string[] {
    return this.all.map((member) => member.clientUrl);
  }

  get members(): readonly EtcdMember[] {
    return this.all;
  }

  /** The leader the running members agree on; waits (up to `timeoutMs`) for an election. */
  async leader(timeoutMs = 30_000): Promise<EtcdMember> {
    let leader: Member | undefined;
    await pollUntil(
      async () => {
        leader = await this.agreedLeader();
        return leader !== undefined;
      },
      { timeoutMs, intervalMs: 50, what: 'the etcd members to agree on a leader', describe: () => this.all.map((member) => `${member.name}: ${member.lines.at(-1) ?? ''}`) },
    );
    return leader!;
  }

  /** kill -9 of `member`; resolves once its process is gone. */
  async kill(member: EtcdMember): Promise<void> {
    const own = this.own(member);
    own.child?.kill('SIGKILL');
    await own.exited;
  }

  /** Starts a stopped `member` again on its data folder and ports; resolves once it serves. */
  async restart(member: EtcdMember): Promise<void> {
    const own = this.own(member);
    if (own.running) throw new Error(`etcd member ${own.name} is running`);
    this.spawn(own);
    await pollUntil(async () => (await this.status(own)) !== undefined, { timeoutMs: 30_000, intervalMs: 50, what: `etcd member ${own.name} to serve again`, describe: () => own.lines.slice(-3) });
  }

  /** Kills every member (their data stays, so each can be restarted). */
  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((member) => this.kill(member)));
  }

  /** Kills every member and deletes their data. */
  async close(): Promise<void> {
    await this.stopAll();
    process.removeListener('exit', this.onExit);
    await rm(this.root, { recursive: true, force: true });
  }

  /** A member's maintenance status (its JSON gateway, over TLS when the cluster has it); undefined when it does not answer. */
  private status(member: Member): Promise<MemberStatus | undefined> {
    if (!member.running) return Promise.resolve(undefined);
    const { tls } = this.options;
    const secure = tls ? { ca: readFileSync(tls.ca), cert: readFileSync(tls.client.cert), key: readFileSync(tls.client.key) } : {};
    return new Promise((resolve) => {
      const request = (tls ? httpsRequest : httpRequest)(`${member.clientUrl}/v3/maintenance/status`, { method: 'POST', timeout: 1_000, ...secure }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          try {
            resolve(response.statusCode === 200 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as MemberStatus) : undefined);
          } catch {
            resolve(undefined);
          }
        });
        response.on('error', () => resolve(undefined));
      });
      request.on('timeout', () => request.destroy());
      request.on('error', () => resolve(undefined));
      request.end('{}');
    });
  }

  private own(member: EtcdMember): Member {
    const own = this.all.find((candidate) => candidate === member || candidate.name === member.name);
    if (!own) throw new Error(`no etcd member ${member.name} in this cluster`);
    return own;
  }

  private spawn(member: Member): void {
    const initialCluster = this.all.map((peer) => `${peer.name}=${peer.peerUrl}`).join(',');
    const args = [
      `--name=${member.name}`,
      `--data-dir=${member.dataDir}`,
      `--listen-client-urls=${member.clientUrl}`,
      `--advertise-client-urls=${member.clientUrl}`,
      `--listen-peer-urls=${member.peerUrl}`,
      `--initial-advertise-peer-urls=${member.peerUrl}`,
      `--initial-cluster=${initialCluster}`,
      '--initial-cluster-state=new',
      '--initial-cluster-token=infermesh-test',
      `--heartbeat-interval=${this.options.heartbeatIntervalMs}`,
      `--election-timeout=${this.options.electionTimeoutMs}`,
      '--logger=zap',
      '--log-level=warn',
    ];
    const { tls } = this.options;
    if (tls) args.push(`--cert-file=${tls.server.cert}`, `--key-file=${tls.server.key}`, `--trusted-ca-file=${tls.ca}`, '--client-cert-auth');
    // etcd reads ETCD_* variables as flags: the test's own (ETCD_ENDPOINTS…) must not reach it.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('ETCD_')));
    const child = spawn(this.binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    member.child = child;
    const keep = (chunk: Buffer) => {
      member.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      member.lines.splice(0, Math.max(0, member.lines.length - KEPT_LINES));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    member.exited = new Promise((resolve) =>
      child.once('exit', () => {
        if (member.child === child) member.child = undefined;
        resolve();
      }),
    );
  }

  /** The member every running member names as leader, when they agree and it runs. */
  private async agreedLeader(): Promise<Member | undefined> {
    const running = this.all.filter((member) => member.running);
    const statuses = await Promise.all(running.map(async (member) => ({ member, status: await this.status(member) })));
    const leaders = new Set(statuses.map(({ status }) => status?.leader));
    if (leaders.size !== 1) return undefined;
    const [leaderId] = leaders;
    if (!leaderId || leaderId === '0') return undefined;
    return statuses.find(({ status }) => status?.header?.member_id === leaderId)?.member;
  }
}

/** A loopback port free now (the OS picks it; etcd binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
