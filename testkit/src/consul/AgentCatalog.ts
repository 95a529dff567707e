/**
 * The stand-in's agent and catalog: one node whose services are registered and deregistered
 * through the agent API, with the checks the agent runs itself (gRPC health checks at their
 * interval, TTL checks that go critical when not updated in time, DeregisterCriticalServiceAfter),
 * and the health query `/v1/health/service/<name>` over them.
 */
import { parseDuration } from './durations.js';
import { probeGrpcHealth } from './grpc-health-probe.js';
import type { IndexClock } from './IndexClock.js';

type CheckStatus = 'passing' | 'warning' | 'critical';

/** A service as `/v1/agent/services` and the health query return it. */
export interface ServiceRecord {
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  Port: number;
  Meta: Record<string, string>;
  Weights: { Passing: number; Warning: number };
  EnableTagOverride: boolean;
  CreateIndex: number;
  ModifyIndex: number;
}

/** A check as `/v1/agent/checks` and the health query return it. */
export interface CheckRecord {
  Node: string;
  CheckID: string;
  Name: string;
  Status: CheckStatus;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  CreateIndex: number;
  ModifyIndex: number;
}

interface RunningCheck {
  record: CheckRecord;
  timer: NodeJS.Timeout | undefined;
  criticalSinceMs: number | undefined;
  deregisterAfterMs: number | undefined;
  /** TTL checks: how long a pass lasts. */
  ttlMs: number | undefined;
}

/** A check as registered: what the agent runs. */
type CheckSpec = { id: string; name: string; notes: string; status: CheckStatus; deregisterAfterMs: number | undefined } & (
  | { type: 'grpc'; grpc: string; intervalMs: number; timeoutMs: number; useTls: boolean; skipVerify: boolean }
  | { type: 'ttl'; ttlMs: number }
);

/** A registration Consul refuses with 400. */
export class AgentRequestError extends Error {}

/** Where the stand-in's own node is, for the health query's `Node` part. */
export interface NodeInfo {
  name: string;
  datacenter: string;
  /** CA the agent trusts for GRPCUseTLS checks (its `ca_file`). */
  checkCa?: Buffer;
}

export class AgentCatalog {
  private readonly services = new Map<string, ServiceRecord>();
  private readonly checks = new Map<string, RunningCheck>();
  /** Service name → the index of its last change (registration, deregistration, check status). */
  private readonly serviceIndexes = new Map<string, number>();
  private tableIndex = 1;
  private readonly reaper: NodeJS.Timeout;
  private closed = false;

  constructor(
    private readonly clock: IndexClock,
    private readonly node: NodeInfo,
  ) {
    // Consul's reaper runs every 30 s with a 1 min floor; this one honours the configured value as given.
    this.reaper = setInterval(() => this.reap(), 100);
    this.reaper.unref();
  }

  /** `PUT /v1/agent/service/register` with its JSON body. */
  register(body: Record<string, unknown>): void {
    const name = body.Name;
    if (typeof name !== 'string' || name === '') throw new AgentRequestError('Missing service name');
    const id = typeof body.ID === 'string' && body.ID !== '' ? body.ID : name;
    const port = body.Port ?? 0;
    if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65_535) throw new AgentRequestError(`Invalid Port ${JSON.stringify(port)}`);
    const definitions = [...(body.Check ? [body.Check] : []), ...((body.Checks as unknown[] | undefined) ?? [])] as Record<string, unknown>[];
    const single = body.Check !== undefined && !body.Checks;
    const parsed = definitions.map((definition, index) => this.parseCheck(definition, id, name, single ? undefined : index + 1));
    this.deregisterQuietly(id);
    const index = this.clock.next();
    const previous = this.services.get(id);
    const service: ServiceRecord = {
      ID: id,
      Service: name,
      Tags: Array.isArray(body.Tags) ? body.Tags.map(String) : [],
      Address: typeof body.Address === 'string' ? body.Address : '',
      Port: port as number,
      Meta: (body.Meta as Record<string, string> | undefined) ?? {},
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: body.EnableTagOverride === true,
      CreateIndex: previous?.CreateIndex ?? index,
      ModifyIndex: index,
    };
    this.services.set(id, service);
    for (const check of parsed) {
      const record: CheckRecord = {
        Node: this.node.name,
        CheckID: check.id,
        Name: check.name,
        Status: check.status,
        Notes: check.notes,
        Output: '',
        ServiceID: id,
        ServiceName: name,
        ServiceTags: service.Tags,
        Type: check.type,
        CreateIndex: index,
        ModifyIndex: index,
      };
      const running: RunningCheck = {
        record,
        timer: undefined,
        criticalSinceMs: check.status === 'critical' ? Date.now() : undefined,
        deregisterAfterMs: check.deregisterAfterMs,
        ttlMs: check.type === 'ttl' ? check.ttlMs : undefined,
      };
      this.checks.set(check.id, running);
      this.start(running, check);
    }
    this.serviceChanged(name, index);
  }

  /** `PUT /v1/agent/service/deregister/<id>`: false when no such service is registered. */
  deregister(id: string): boolean {
    const service = this.services.get(id);
    if (!service) return false;
    this.deregisterQuietly(id);
    this.serviceChanged(service.Service, this.clock.next());
    return true;
  }

  /** `PUT /v1/agent/check/pass|warn|fail/<id>` and `/update/<id>`: refuses checks without a TTL. */
  updateTtlCheck(checkId: string, status: CheckStatus, output: string): 'ok' | 'unknown' | 'not-ttl' {
    const check = this.checks.get(checkId);
    if (!check) return 'unknown';
    if (check.record.Type !== 'ttl') return 'not-ttl';
    this.setStatus(check, status, output);
    this.armTtl(check);
    return 'ok';
  }

  /** `/v1/agent/services`: id → service. */
  agentServices(): Record<string, ServiceRecord> {
    return Object.fromEntries(this.services);
  }

  /** `/v1/agent/checks`: id → check. */
  agentChecks(): Record<string, CheckRecord> {
    return Object.fromEntries([...this.checks].map(([id, check]) => [id, check.record]));
  }

  /** `/v1/health/service/<name>`: instances with the node and their checks; `passing` keeps those whose every check passes. */
  health(name: string, options: { passing: boolean; tags: string[] }): { index: number; body: unknown[] } {
    const nodeCheck: CheckRecord = {
      Node: this.node.name,
      CheckID: 'serfHealth',
      Name: 'Serf Health Status',
      Status: 'passing',
      Notes: '',
      Output: 'Agent alive and reachable',
      ServiceID: '',
      ServiceName: '',
      ServiceTags: [],
      Type: '',
      CreateIndex: 1,
      ModifyIndex: 1,
    };
    const body = [...this.services.values()]
      .filter((service) => service.Service === name && options.tags.every((tag) => service.Tags.includes(tag)))
      .map((service) => ({ service, checks: [nodeCheck, ...[...this.checks.values()].filter((check) => check.record.ServiceID === service.ID).map((check) => check.record)] }))
      .filter(({ checks }) => !options.passing || checks.every((check) => check.Status === 'passing'))
      .sort((a, b) => (a.service.ID < b.service.ID ? -1 : 1))
      .map(({ service, checks }) => ({
        Node: { ID: '', Node: this.node.name, Address: '127.0.0.1', Datacenter: this.node.datacenter, TaggedAddresses: {}, Meta: {}, CreateIndex: 1, ModifyIndex: 1 },
        Service: { ...service, Address: service.Address },
        Checks: checks,
      }));
    return { index: this.serviceIndexes.get(name) ?? this.tableIndex, body };
  }

  /** Stops every check (the stand-in is closing). */
  close(): void {
    this.closed = true;
    clearInterval(this.reaper);
    for (const check of this.checks.values()) clearTimeout(check.timer);
  }

  private parseCheck(definition: Record<string, unknown>, serviceId: string, serviceName: string, position: number | undefined): CheckSpec {
    const duration = (key: string): number | undefined => {
      const value = definition[key];
      if (value === undefined || value === '') return undefined;
      const ms = typeof value === 'string' ? parseDuration(value) : undefined;
      if (ms === undefined) throw new AgentRequestError(`Request decode failed: invalid duration ${key} ${JSON.stringify(value)}`);
      return ms;
    };
    const interval = duration('Interval');
    const ttl = duration('TTL');
    const status = (definition.Status ?? 'critical') as CheckStatus;
    if (!['passing', 'warning', 'critical'].includes(status)) throw new AgentRequestError(`Invalid check status: "${String(status)}"`);
    const base = {
      id: typeof definition.CheckID === 'string' && definition.CheckID !== '' ? definition.CheckID : `service:${serviceId}${position === undefined ? '' : `:${position}`}`,
      name: typeof definition.Name === 'string' && definition.Name !== '' ? definition.Name : `Service '${serviceName}' check`,
      notes: typeof definition.Notes === 'string' ? definition.Notes : '',
      status,
      deregisterAfterMs: duration('DeregisterCriticalServiceAfter'),
    };
    if (typeof definition.GRPC === 'string' && definition.GRPC !== '') {
      if (!interval) throw new AgentRequestError('Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or gRPC checks');
      return {
        ...base,
        type: 'grpc' as const,
        grpc: definition.GRPC,
        intervalMs: interval,
        timeoutMs: duration('Timeout') ?? 10_000,
        useTls: definition.GRPCUseTLS === true,
        skipVerify: definition.TLSSkipVerify === true,
      };
    }
    if (ttl) return { ...base, type: 'ttl' as const, ttlMs: ttl };
    throw new AgentRequestError('the stand-in runs gRPC and TTL checks only: give GRPC with Interval, or TTL');
  }

  private start(check: RunningCheck, spec: CheckSpec): void {
    if (spec.type === 'ttl') {
      this.armTtl(check);
      return;
    }
    const { grpc, intervalMs, timeoutMs, useTls, skipVerify } = spec;
    const run = async () => {
      const outcome = await probeGrpcHealth({ grpc, useTls, skipVerify, timeoutMs, ...(this.node.checkCa ? { ca: this.node.checkCa } : {}) });
      if (this.closed || this.checks.get(check.record.CheckID) !== check) return;
      this.setStatus(check, outcome.status, outcome.output);
      check.timer = setTimeout(() => void run(), intervalMs);
      check.timer.unref();
    };
    // Like the agent, the first run waits a random part of the interval, so checks spread out.
    check.timer = setTimeout(() => void run(), Math.floor(Math.random() * intervalMs));
    check.timer.unref();
  }

  private armTtl(check: RunningCheck): void {
    const { ttlMs } = check;
    if (ttlMs === undefined) return;
    clearTimeout(check.timer);
    check.timer = setTimeout(() => this.setStatus(check, 'critical', 'TTL expired'), ttlMs);
    check.timer.unref();
  }

  private setStatus(check: RunningCheck, status: CheckStatus, output: string): void {
    check.record.Output = output;
    if (check.record.Status === status) return;
    check.record.Status = status;
    check.criticalSinceMs = status === 'critical' ? Date.now() : undefined;
    const index = this.clock.next();
    check.record.ModifyIndex = index;
    this.serviceChanged(check.record.ServiceName, index);
  }

  private deregisterQuietly(id: string): void {
    this.services.delete(id);
    for (const [checkId, check] of this.checks) {
      if (check.record.ServiceID !== id) continue;
      clearTimeout(check.timer);
      this.checks.delete(checkId);
    }
  }

  private serviceChanged(name: string, index: number): void {
    this.serviceIndexes.set(name, index);
    this.tableIndex = index;
    this.clock.changed();
  }

  private reap(): void {
    const now = Date.now();
    for (const check of this.checks.values()) {
      if (check.deregisterAfterMs === undefined || check.criticalSinceMs === undefined) continue;
      if (now - check.criticalSinceMs >= check.deregisterAfterMs) this.deregister(check.record.ServiceID);
    }
  }
}
