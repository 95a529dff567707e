/** The mesh config's `gateway:` section. */
import { z } from 'zod';
import { gatewayRetrySchema } from './gateway-retry-config.js';
import { HOST_PORT_RULE } from './name-rules.js';
import { tlsSchema } from './tls-config.js';

/** `gateway.runnerKeepaliveMs` when left out. */
export const RUNNER_KEEPALIVE_DEFAULT_MS = 2_000;

/** `gateway.shadow`: the copies of calls sent to a rollout's shadow version. */
export const shadowSchema = z
  .object({
    /** Copies waiting for a shadow call; one more is dropped and counted. */
    maxQueued: z.number().int().min(1).max(100_000).default(256),
    /** Bytes of requests and answers the waiting copies hold; one more is dropped and counted. */
    maxQueuedBytes: z.number().int().min(1024).max(4 * 1024 * 1024 * 1024).default(64 * 1024 * 1024),
    /** Shadow calls in flight at once, per gateway. */
    concurrency: z.number().int().min(1).max(1_000).default(4),
    /** Deadline of one shadow call; the caller's deadline is long gone by then. */
    timeoutMs: z.number().int().min(10).max(600_000).default(5_000),
    /**
     * Which shadow answers go to the sink as records: all, only those that disagree with the
     * primary (or failed), or none. Each record costs the gateway and the sink what a call's does.
     */
    records: z.enum(['all', 'disagreeing', 'none']).default('all'),
  })
  .strict();

/** The `gateway.shadow` keys. */
export type ShadowConfig = z.infer<typeof shadowSchema>;

/** The `gateway:` keys, with defaults. */
export const gatewaySchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(8001),
    /** Runner addresses; default: the addresses of `runners` in this file. */
    runners: z.array(z.string().regex(HOST_PORT_RULE, 'expected host:port')).optional(),
    /** HTTP port of the gateway's metrics (/metrics) and status page (/). */
    httpPort: z.number().int().min(0).max(65_535).default(8002),
    /** How often the gateway asks each runner what it holds. */
    runnerRefreshMs: z.number().int().min(50).max(60_000).default(1_000),
    /**
     * HTTP/2 keepalive of the gateway's sessions to runners (the http2 forwarding): a PING
     * this often, and a session whose PING is not answered within as long again is closed,
     * so the calls in flight on a runner that stopped answering (stopped, hung, its host gone
     * without a FIN) go to another runner instead of waiting for their deadline.
     */
    runnerKeepaliveMs: z.number().int().min(100).max(600_000).default(RUNNER_KEEPALIVE_DEFAULT_MS),
    /** When a ModelInfer is tried again on another runner (see gateway-retry-config.ts). */
    retry: gatewayRetrySchema.prefault({}),
    /**
     * How ModelInfer reaches a runner: 'grpc-js' (a grpc-js server and client per call) or
     * 'http2' (the HTTP/2 stream is piped to the runner; see gateway/src/h2). Off until the bench says otherwise.
     */
    forwarding: z.enum(['grpc-js', 'http2']).default('http2'),
    /**
     * How the http2 forwarding sends ModelInfer calls to a runner: 'exchange' (many calls on
     * one stream per runner session, RunnerInfer.Exchange: far less CPU per call at both
     * ends) or 'streams' (an HTTP/2 stream per call). A runner that does not serve Exchange
     * (its grpc-js front, an older version) is called one stream per call either way.
     */
    runnerCalls: z.enum(['exchange', 'streams']).default('exchange'),
    /**
     * Caller metadata passed on to runners besides the trace context (traceparent,
     * tracestate) and, on the HTTP/2 path, the transport's headers: nothing else the caller
     * sent (authorization, cookies, its own headers) reaches a runner unless named here.
     */
    passThroughHeaders: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'expected a lowercase metadata name'))
      .max(100)
      .default([]),
    /**
     * One info line per ModelInfer (model, version, runner, code, µs, request and trace id),
     * tagged `log: access`; off by default (INFERMESH_GATEWAY_ACCESS_LOG=1 turns it on).
     */
    accessLog: z.boolean().default(false),
    /** Shadow traffic: how many copies wait, how many run at once, and their deadline. */
    shadow: shadowSchema.prefault({}),
    /** TLS of the public port and status page, when it differs from the mesh's `tls` (e.g. `clientAuth: none` for callers with tokens). */
    tls: tlsSchema.optional(),
  })
  .strict();

/** The gateway section of the mesh config. */
export type GatewayEntry = z.infer<typeof gatewaySchema>;
