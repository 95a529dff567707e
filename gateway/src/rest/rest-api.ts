/**
 * The Open Inference Protocol's HTTP/JSON API on the gateway's HTTP port (`/v2`,
 * `/v2/health/live|ready`, `/v2/models/{name}[/versions/{v}][/ready|/infer]`). Each request
 * becomes the same gRPC call to the gateway's own grpc-js server on loopback, so routing,
 * limits, tokens, observers and errors are exactly those of the gRPC API; answers go back as
 * JSON, errors as `{"error": "..."}` with the HTTP status of their gRPC code.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { clientChannelOptions, ServiceError, toGrpcStatus, type FallbackHandler, type Logger, type TlsFiles } from '@infermesh/common';
import { inferenceProto, type ModelInferResponse__Output, type ModelMetadataResponse__Output, type ServerMetadataResponse__Output } from '@infermesh/proto';
import { inferRequestFromJson, inferResponseToJson } from './json-tensors.js';

/** HTTP status of each gRPC code, as KServe and Triton map them. */
const HTTP_STATUS: Record<grpc.status, number> = {
  [grpc.status.OK]: 200,
  [grpc.status.CANCELLED]: 499,
  [grpc.status.UNKNOWN]: 500,
  [grpc.status.INVALID_ARGUMENT]: 400,
  [grpc.status.DEADLINE_EXCEEDED]: 504,
  [grpc.status.NOT_FOUND]: 404,
  [grpc.status.ALREADY_EXISTS]: 409,
  [grpc.status.PERMISSION_DENIED]: 403,
  [grpc.status.RESOURCE_EXHAUSTED]: 429,
  [grpc.status.FAILED_PRECONDITION]: 400,
  [grpc.status.ABORTED]: 409,
  [grpc.status.OUT_OF_RANGE]: 400,
  [grpc.status.UNIMPLEMENTED]: 501,
  [grpc.status.INTERNAL]: 500,
  [grpc.status.UNAVAILABLE]: 503,
  [grpc.status.DATA_LOSS]: 500,
  [grpc.status.UNAUTHENTICATED]: 401,
};

/** Request headers that describe the HTTP hop or the body, not the call: never metadata. */
const NOT_METADATA = new Set(['host', 'connection', 'keep-alive', 'content-length', 'content-type', 'transfer-encoding', 'upgrade', 'accept', 'accept-encoding', 'expect', 'te', 'user-agent']);

const MODEL_PATH = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(?:\/(ready|infer))?$/;

/** What {@link restApi} needs. */
export interface RestApiOptions {
  /** host:port of the gateway's grpc-js server. */
  target: string;
  /** The TLS that server listens with; plaintext without. */
  tls?: TlsFiles;
  /** Largest request body (the gateway's limits.maxMessageBytes). */
  maxBodyBytes: number;
  logger: Logger;
}

/** A started REST API: its request handler and its client to close. */
export interface RestApi {
  handle: FallbackHandler;
  close(): void;
}

type Stub = InstanceType<typeof inferenceProto.GRPCInferenceService>;

/** Credentials for the loopback call: the server's own certificate is trusted whatever names it carries. */
function loopbackCredentials(tls: TlsFiles | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  const { ca, key, cert } = tls.clientOptions();
  const pem = (value: unknown) => (value === undefined ? null : Buffer.from(value as string | Buffer));
  return grpc.credentials.createSsl(pem(ca), pem(key), pem(cert), { checkServerIdentity: () => undefined });
}

/** The caller's HTTP headers as gRPC metadata (tokens, trace context, routing headers); names gRPC refuses are left out. */
function metadataOf(request: IncomingMessage): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || NOT_METADATA.has(name) || name.endsWith('-bin')) continue;
    try {
      for (const one of Array.isArray(value) ? value : [value]) metadata.add(name, one);
    } catch {
      // Not a valid metadata name or value: the call does not need it.
    }
  }
  return metadata;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

/** A refusal of the HTTP layer itself, with its HTTP status (a body too large is 413, not a gRPC code's). */
class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** An error as the caller sees it: a gRPC status from the call, or a ServiceError of the REST layer itself. */
function sendError(response: ServerResponse, error: unknown, logger: Logger): void {
  if (error instanceof HttpRefusal) {
    sendJson(response, error.status, { error: error.message });
    return;
  }
  if (error instanceof ServiceError) {
    const { code, details } = toGrpcStatus(error);
    sendJson(response, HTTP_STATUS[code], { error: details });
    return;
  }
  const { code, details } = error as { code?: unknown; details?: unknown };
  if (typeof code === 'number' && code in HTTP_STATUS && typeof details === 'string') {
    sendJson(response, HTTP_STATUS[code as grpc.status], { error: details });
    return;
  }
  logger.error({ err: error }, 'REST request failed');
  sendJson(response, 500, { error: 'internal error; see the gateway log' });
}

/** The request body as JSON, within `limit` bytes. */
function readJson(request: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new HttpRefusal(413, `request body of ${declared} bytes is larger than the limit of ${limit}`));
      request.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpRefusal(413, `request body is larger than the limit of ${limit} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', reject);
    request.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks, size).toString('utf8')));
      } catch (error) {
        reject(ServiceError.invalidArgument(`request body is not JSON: ${(error as Error).message}`));
      }
    });
  });
}

/** One unary call on the stub, as a promise. */
function unary<Res>(start: (done: (error: grpc.ServiceError | null, response?: Res) => void) => void): Promise<Res> {
  return new Promise((resolve, reject) => {
    start((error, response) => (error || response === undefined ? reject(error ?? new Error('empty answer')) : resolve(response)));
  });
}

export function restApi(options: RestApiOptions): RestApi {
  const stub: Stub = new inferenceProto.GRPCInferenceService(options.target, loopbackCredentials(options.tls), clientChannelOptions(options.maxBodyBytes));

  /** Answers a health or readiness check: 200 when true, 400 when false, as the protocol says. */
  const check = async (response: ServerResponse, asked: Promise<{ live?: boolean; ready?: boolean }>, field: 'live' | 'ready') => {
    const answer = await asked;
    const value = answer[field] === true;
    sendJson(response, value ? 200 : 400, { [field]: value });
  };

  const route = async (request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean> => {
    const metadata = metadataOf(request);
    const get = request.method === 'GET' || request.method === 'HEAD';
    if (path === '/v2' || path === '/v2/') {
      if (!get) return false;
      const answer = await unary<ServerMetadataResponse__Output>((done) => stub.ServerMetadata({}, metadata, done));
      sendJson(response, 200, { name: answer.name, version: answer.version, extensions: answer.extensions });
      return true;
    }
    if (path === '/v2/health/live' && get) {
      await check(response, unary<{ live?: boolean }>((done) => stub.ServerLive({}, metadata, done)), 'live');
      return true;
    }
    if (path === '/v2/health/ready' && get) {
      await check(response, unary<{ ready?: boolean }>((done) => stub.ServerReady({}, metadata, done)), 'ready');
      return true;
    }
    const match = MODEL_PATH.exec(path);
    if (!match) return false;
    const name = decodeURIComponent(match[1]!);
    const version = match[2] === undefined ? '' : decodeURIComponent(match[2]);
    const action = match[3];
    if (action === 'infer') {
      if (request.method !== 'POST') throw new HttpRefusal(405, 'infer takes POST');
      const body = await readJson(request, options.maxBodyBytes);
      const answer = await unary<ModelInferResponse__Output>((done) => stub.ModelInfer(inferRequestFromJson(body, name, version), metadata, done));
      sendJson(response, 200, inferResponseToJson(answer));
      return true;
    }
    if (!get) return false;
    if (action === 'ready') {
      await check(response, unary<{ ready?: boolean }>((done) => stub.ModelReady({ name, version }, metadata, done)), 'ready');
      return true;
    }
    const answer = await unary<ModelMetadataResponse__Output>((done) => stub.ModelMetadata({ name, version }, metadata, done));
    sendJson(response, 200, {
      name: answer.name,
      versions: answer.versions,
      platform: answer.platform,
      inputs: answer.inputs.map((tensor) => ({ name: tensor.name, datatype: tensor.datatype, shape: tensor.shape.map(Number) })),
      outputs: answer.outputs.map((tensor) => ({ name: tensor.name, datatype: tensor.datatype, shape: tensor.shape.map(Number) })),
    });
    return true;
  };

  return {
    handle(request, response) {
      const path = (request.url ?? '/').split('?')[0]!;
      if (path !== '/v2' && !path.startsWith('/v2/')) return false;
      route(request, response, path).then(
        (handled) => {
          if (!handled) sendJson(response, request.method === 'GET' ? 404 : 405, { error: `no ${request.method} ${path} in the inference API` });
        },
        (error: unknown) => sendError(response, error, options.logger),
      );
      return true;
    },
    close: () => stub.close(),
  };
}
