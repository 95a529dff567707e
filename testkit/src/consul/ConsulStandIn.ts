/**
 * A stand-in for a Consul agent (with its server) on 127.0.0.1:0, for tests: the parts of
 * Consul's HTTP API infermesh uses, answered as the API documentation says — KV with cas,
 * locks and blocking reads; sessions; agent service registration with the checks the agent
 * runs; health queries; ACL tokens. Consul itself cannot be installed on these machines;
 * tests that set CONSUL_HTTP_ADDR run against a real one instead (see consul-target).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { AgentCatalog, AgentRequestError } from './AgentCatalog.js';
import { parseDuration } from './durations.js';
import { flag, HttpError, KV_MAX_VALUE_BYTES, readBody, readJson, sendJson, sendText, unsignedParam } from './http-io.js';
import { blockingQuery, IndexClock, type IndexedResult } from './IndexClock.js';
import { runTransaction } from './kv-transaction.js';
import { KvRequestError, KvStore, type KvEntry } from './KvStore.js';
import { SessionRequestError, SessionTable } from './SessionTable.js';

/** How the stand-in is set up, as a Consul agent would be by its config file. */
export interface ConsulStandInOptions {
  /** ACLs on, default deny: every request must carry this token (X-Consul-Token, Authorization: Bearer, or ?token=). */
  token?: string;
  /** Consul's `session_ttl_min`: shortest session TTL accepted; 10 s by default, as in Consul. */
  sessionTtlMinMs?: number;
  /** `dc1` by default; a request for another datacenter fails as Consul's does when it has no route there. */
  datacenter?: string;
  /** The agent's node name. */
  node?: string;
  /** CA the agent trusts for GRPCUseTLS checks. */
  checkCa?: Buffer;
  /** Serve HTTPS with this certificate (Consul's HTTPS port); with `ca`, clients must present a certificate it signed (`verify_incoming`). */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer };
}

const DEFAULT_WAIT_MS = 5 * 60_000;
const MAX_WAIT_MS = 10 * 60_000;

export class ConsulStandIn {
  /** `http://127.0.0.1:<port>` (https with `tls`): what CONSUL_HTTP_ADDR would hold. */
  readonly address: string;
  readonly kv: KvStore;
  readonly sessions: SessionTable;
  readonly catalog: AgentCatalog;
  private readonly clock = new IndexClock();
  private readonly closing = new AbortController();

  private constructor(
    private readonly server: Server,
    private readonly options: ConsulStandInOptions,
  ) {
    const port = (server.address() as AddressInfo).port;
    this.address = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    this.kv = new KvStore(this.clock, (id) => this.sessions.has(id));
    this.sessions = new SessionTable(this.clock, this.nodeName, options.sessionTtlMinMs ?? 10_000, (id, behavior, delay) => this.kv.sessionInvalidated(id, behavior, delay));
    this.catalog = new AgentCatalog(this.clock, { name: this.nodeName, datacenter: this.datacenter, ...(options.checkCa ? { checkCa: options.checkCa } : {}) });
    server.on('request', (request: IncomingMessage, response: ServerResponse) => void this.handle(request, response));
  }

  /** Starts a stand-in on 127.0.0.1 at a free port. */
  static async start(options: ConsulStandInOptions = {}): Promise<ConsulStandIn> {
    const { tls } = options;
    const server: Server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}) }) : createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return new ConsulStandIn(server, options);
  }

  private get nodeName(): string {
    return this.options.node ?? 'consul-stand-in';
  }

  private get datacenter(): string {
    return this.options.datacenter ?? 'dc1';
  }

  /**
   * Drops every open client connection (blocking queries in flight fail as on a network cut)
   * and keeps serving: what a client sees when its agent restarts or the network blips.
   */
  dropConnections(): void {
    this.server.closeAllConnections();
  }

  /** Stops serving: blocking queries end, checks and session timers stop. */
  async close(): Promise<void> {
    this.closing.abort();
    this.sessions.close();
    this.catalog.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://stand-in');
    try {
      this.authorize(request, url.searchParams);
      const dc = url.searchParams.get('dc');
      if (dc && dc !== this.datacenter) throw new HttpError(500, 'No path to datacenter');
      await this.route(request, response, url);
    } catch (error) {
      if (response.headersSent) return void response.destroy();
      if (error instanceof HttpError) return sendText(response, error.status, error.message);
      if (error instanceof AgentRequestError) return sendText(response, 400, error.message);
      if (error instanceof SessionRequestError) return sendText(response, error.status, error.message);
      if (error instanceof KvRequestError) return sendText(response, 500, error.message);
      sendText(response, 500, (error as Error).message);
    }
  }

  private authorize(request: IncomingMessage, query: URLSearchParams): void {
    if (this.options.token === undefined) return;
    const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const token = (request.headers['x-consul-token'] as string | undefined) ?? bearer ?? query.get('token') ?? '';
    if (token === '') throw new HttpError(403, 'Permission denied: anonymous token lacks permission');
    if (token !== this.options.token) throw new HttpError(403, 'ACL not found');
  }

  private async route(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const method = request.method ?? 'GET';
    const query = url.searchParams;
    const tail = (prefix: string) => decodeURIComponent(path.slice(prefix.length));
    const put = () => {
      if (method !== 'PUT') throw new HttpError(405, `method ${method} not allowed`);
    };
    if (path.startsWith('/v1/kv/')) return this.kvRequest(request, response, method, tail('/v1/kv/'), query);
    if (path === '/v1/txn') {
      put();
      // Consul's txn_max_req_len: the whole request, base64 values included, is held to 512 KiB.
      const raw = await readBody(request, KV_MAX_VALUE_BYTES);
      let body: unknown;
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (error) {
        throw new HttpError(400, `Failed to parse body: ${(error as Error).message}`);
      }
      const [status, answer] = runTransaction(this.kv, body);
      return sendJson(response, status, answer, this.kv.read('', true).index);
    }
    if (path === '/v1/session/create') {
      put();
      return sendJson(response, 200, { ID: this.sessions.create(await readJson(request)) });
    }
    if (path.startsWith('/v1/session/renew/')) {
      put();
      const id = tail('/v1/session/renew/');
      const info = this.sessions.renew(id);
      return info ? sendJson(response, 200, [info]) : sendText(response, 404, `Session id '${id}' not found`);
    }
    if (path.startsWith('/v1/session/destroy/')) {
      put();
      return sendJson(response, 200, this.sessions.destroy(tail('/v1/session/destroy/')));
    }
    if (path.startsWith('/v1/session/info/')) {
      const info = this.sessions.info(tail('/v1/session/info/'));
      return this.blocking(response, query, () => ({ index: this.sessions.list().index, body: info ? [info] : [] }));
    }
    if (path === '/v1/session/list') return this.blocking(response, query, () => this.sessions.list());
    if (path === '/v1/agent/service/register') {
      put();
      this.catalog.register(await readJson(request));
      return sendText(response, 200, '');
    }
    if (path.startsWith('/v1/agent/service/deregister/')) {
      put();
      const id = tail('/v1/agent/service/deregister/');
      if (this.catalog.deregister(id)) return sendText(response, 200, '');
      return sendText(response, 404, `Unknown service ID "${id}". Ensure that the service ID is passed, not the service name.`);
    }
    const checkUpdate = /^\/v1\/agent\/check\/(pass|warn|fail|update)\/(.+)$/.exec(path);
    if (checkUpdate) {
      put();
      const [, verb, rawId] = checkUpdate;
      const body = verb === 'update' ? await readJson(request) : {};
      const status = verb === 'pass' ? 'passing' : verb === 'warn' ? 'warning' : verb === 'fail' ? 'critical' : (body.Status as string);
      if (status !== 'passing' && status !== 'warning' && status !== 'critical') throw new HttpError(400, `Invalid check status: "${String(status)}"`);
      const output = verb === 'update' ? String(body.Output ?? '') : (query.get('note') ?? '');
      const id = decodeURIComponent(rawId!);
      const outcome = this.catalog.updateTtlCheck(id, status, output);
      if (outcome === 'unknown') return sendText(response, 404, `Unknown check ID "${id}". Ensure that the check ID is passed, not the check name.`);
      if (outcome === 'not-ttl') return sendText(response, 500, `CheckID "${id}" does not have associated TTL`);
      return sendText(response, 200, '');
    }
    if (path === '/v1/agent/services') return sendJson(response, 200, this.catalog.agentServices());
    if (path === '/v1/agent/checks') return sendJson(response, 200, this.catalog.agentChecks());
    if (path === '/v1/agent/self') return sendJson(response, 200, { Config: { Datacenter: this.datacenter, NodeName: this.nodeName, Server: true } });
    if (path === '/v1/status/leader') return sendJson(response, 200, '127.0.0.1:8300');
    if (path.startsWith('/v1/health/service/')) {
      if (query.has('filter')) throw new HttpError(400, 'the stand-in does not implement ?filter');
      const name = tail('/v1/health/service/');
      const options = { passing: flag(query, 'passing'), tags: query.getAll('tag') };
      return this.blocking(response, query, () => this.catalog.health(name, options));
    }
    throw new HttpError(404, `the stand-in does not implement ${method} ${path}`);
  }

  private async kvRequest(request: IncomingMessage, response: ServerResponse, method: string, key: string, query: URLSearchParams): Promise<void> {
    if (method === 'GET') {
      const keys = flag(query, 'keys');
      const recurse = keys || flag(query, 'recurse');
      const result = await this.wait(query, response, () => {
        const read = this.kv.read(key, recurse);
        return { index: read.index, body: read.entries };
      });
      const entries = result.body;
      if (entries.length === 0) return sendText(response, 404, '', result.index);
      if (keys) return sendJson(response, 200, listKeys(entries, key, query.get('separator') ?? ''), result.index);
      if (flag(query, 'raw') && !recurse) return sendText(response, 200, entries[0]!.Value ?? Buffer.alloc(0), result.index);
      return sendJson(response, 200, entries.map(toWire), result.index);
    }
    if (method === 'PUT') {
      const value = await readBody(request, KV_MAX_VALUE_BYTES);
      const acquire = query.get('acquire') ?? undefined;
      const release = query.get('release') ?? undefined;
      const cas = unsignedParam(query, 'cas');
      const flags = unsignedParam(query, 'flags');
      const applied = this.kv.put(key, { value, ...(cas !== undefined ? { cas } : {}), ...(flags !== undefined ? { flags } : {}), ...(acquire ? { acquire } : {}), ...(release ? { release } : {}) });
      return sendJson(response, 200, applied);
    }
    if (method === 'DELETE') {
      const cas = unsignedParam(query, 'cas');
      return sendJson(response, 200, this.kv.delete(key, { recurse: flag(query, 'recurse'), ...(cas !== undefined ? { cas } : {}) }));
    }
    throw new HttpError(405, `method ${method} not allowed`);
  }

  /** Answers a read endpoint as a blocking query (`?index=&wait=`). */
  private async blocking<T>(response: ServerResponse, query: URLSearchParams, read: () => IndexedResult<T>): Promise<void> {
    const result = await this.wait(query, response, read);
    sendJson(response, 200, result.body, result.index);
  }

  /** Runs `read` as a blocking query; it ends early when the stand-in closes or the caller goes away. */
  private wait<T>(query: URLSearchParams, response: ServerResponse, read: () => IndexedResult<T>): Promise<IndexedResult<T>> {
    const index = unsignedParam(query, 'index');
    const waitText = query.get('wait');
    const waitMs = waitText ? parseDuration(waitText) : DEFAULT_WAIT_MS;
    if (waitMs === undefined) throw new HttpError(400, `Invalid wait time: "${waitText}"`);
    const gone = new AbortController();
    response.once('close', () => gone.abort());
    return blockingQuery(this.clock, read, index, Math.min(waitMs, MAX_WAIT_MS), AbortSignal.any([this.closing.signal, gone.signal]));
  }
}

/** A KV entry on the wire: Value base64, Session only when held. */
function toWire(entry: KvEntry): Record<string, unknown> {
  return { ...entry, Value: entry.Value === null ? null : entry.Value.toString('base64') };
}

/** `?keys&separator=/`: keys under `prefix`, cut after the first separator past it (folders once each). */
function listKeys(entries: KvEntry[], prefix: string, separator: string): string[] {
  const keys = new Set<string>();
  for (const { Key } of entries) {
    const cut = separator === '' ? -1 : Key.indexOf(separator, prefix.length);
    keys.add(cut < 0 ? Key : Key.slice(0, cut + separator.length));
  }
  return [...keys];
}
