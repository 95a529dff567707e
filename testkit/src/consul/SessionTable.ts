/**
 * The stand-in's sessions: created with a TTL (bounded like Consul's `session_ttl_min`, 10 s
 * by default, and 24 h), a behavior (release | delete) and a lock delay; renewed, destroyed,
 * listed. A session whose TTL passes without a renewal is invalidated exactly at the TTL
 * (Consul itself may take up to twice the TTL), and its locks go as its behavior says.
 */
import { randomUUID } from 'node:crypto';
import { formatDuration, parseDuration } from './durations.js';
import type { IndexClock } from './IndexClock.js';

/** A session as `/v1/session/info` returns it. */
export interface SessionInfo {
  ID: string;
  Name: string;
  Node: string;
  LockDelay: number;
  Behavior: 'release' | 'delete';
  TTL: string;
  NodeChecks: string[];
  ServiceChecks: null;
  CreateIndex: number;
  ModifyIndex: number;
}

interface Session {
  info: SessionInfo;
  ttlMs: number;
  lockDelayMs: number;
  timer: NodeJS.Timeout | undefined;
}

/** A session request Consul answers with 400 (bad TTL, behavior...) or 500. */
export class SessionRequestError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 500,
  ) {
    super(message);
  }
}

const MAX_TTL_MS = 24 * 3_600_000;
const DEFAULT_LOCK_DELAY_MS = 15_000;

export class SessionTable {
  private readonly sessions = new Map<string, Session>();
  private tableIndex = 1;

  constructor(
    private readonly clock: IndexClock,
    private readonly node: string,
    /** Consul's `session_ttl_min`. */
    private readonly ttlMinMs: number,
    /** Called when a session ends (destroyed or TTL expired): its locks go. */
    private readonly invalidated: (id: string, behavior: 'release' | 'delete', lockDelayMs: number) => void,
  ) {}

  has(id: string): boolean {
    return this.sessions.has(id);
  }

  /** `PUT /v1/session/create` with its JSON body. */
  create(body: Record<string, unknown>): string {
    const ttlText = body.TTL === undefined || body.TTL === '' ? undefined : String(body.TTL);
    const ttlMs = ttlText === undefined ? 0 : parseDuration(ttlText);
    if (ttlMs === undefined) throw new SessionRequestError(`Request decode failed: invalid duration "${ttlText}"`, 400);
    if (ttlMs !== 0 && (ttlMs < this.ttlMinMs || ttlMs > MAX_TTL_MS)) {
      throw new SessionRequestError(`Invalid Session TTL '${ttlMs * 1e6}', must be between [${formatDuration(this.ttlMinMs)}=24h0m0s]`, 400);
    }
    const behavior = body.Behavior ?? 'release';
    if (behavior !== 'release' && behavior !== 'delete') throw new SessionRequestError(`Invalid Behavior setting '${String(behavior)}'`, 400);
    const lockDelayMs = lockDelayOf(body.LockDelay);
    if (lockDelayMs === undefined) throw new SessionRequestError(`Request decode failed: invalid LockDelay ${JSON.stringify(body.LockDelay)}`, 400);
    const checks = [...((body.Checks as string[] | undefined) ?? []), ...((body.NodeChecks as string[] | undefined) ?? [])];
    const unsupported = checks.filter((check) => check !== 'serfHealth');
    if (unsupported.length > 0 || body.ServiceChecks) {
      throw new SessionRequestError(`the stand-in ties sessions to no check but serfHealth (asked for ${JSON.stringify(unsupported)})`, 400);
    }
    if (body.Node !== undefined && body.Node !== '' && body.Node !== this.node) throw new SessionRequestError(`Missing node registration`, 500);
    const index = this.clock.next();
    const id = randomUUID();
    const session: Session = {
      info: {
        ID: id,
        Name: typeof body.Name === 'string' ? body.Name : '',
        Node: this.node,
        LockDelay: lockDelayMs * 1e6,
        Behavior: behavior,
        TTL: ttlText ?? '',
        NodeChecks: ['serfHealth'],
        ServiceChecks: null,
        CreateIndex: index,
        ModifyIndex: index,
      },
      ttlMs,
      lockDelayMs,
      timer: undefined,
    };
    this.sessions.set(id, session);
    this.arm(session);
    this.wrote(index);
    return id;
  }

  /** `PUT /v1/session/renew/<id>`: undefined when there is no such session (any more). */
  renew(id: string): SessionInfo | undefined {
    const session = this.sessions.get(id);
    if (!session) return undefined;
    this.arm(session);
    return session.info;
  }

  info(id: string): SessionInfo | undefined {
    return this.sessions.get(id)?.info;
  }

  list(): { index: number; body: SessionInfo[] } {
    return { index: this.tableIndex, body: [...this.sessions.values()].map((session) => session.info) };
  }

  /** `PUT /v1/session/destroy/<id>`; true whether or not it existed, as Consul answers. */
  destroy(id: string): boolean {
    this.invalidate(id);
    return true;
  }

  /** Stops every TTL timer (the stand-in is closing). */
  close(): void {
    for (const session of this.sessions.values()) clearTimeout(session.timer);
  }

  private arm(session: Session): void {
    if (session.ttlMs === 0) return;
    clearTimeout(session.timer);
    session.timer = setTimeout(() => this.invalidate(session.info.ID), session.ttlMs);
    session.timer.unref();
  }

  private invalidate(id: string): void {
    const session = this.sessions.get(id);
    if (!session) return;
    clearTimeout(session.timer);
    this.sessions.delete(id);
    this.wrote(this.clock.next());
    this.invalidated(id, session.info.Behavior, session.lockDelayMs);
  }

  private wrote(index: number): void {
    this.tableIndex = index;
    this.clock.changed();
  }
}

/** LockDelay as Consul reads it: a duration string, or a number (seconds below 1000, else nanoseconds). */
function lockDelayOf(value: unknown): number | undefined {
  if (value === undefined || value === '') return DEFAULT_LOCK_DELAY_MS;
  if (typeof value === 'number') return value < 1_000 ? value * 1_000 : value / 1e6;
  return typeof value === 'string' ? parseDuration(value) : undefined;
}
