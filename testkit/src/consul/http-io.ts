/** Reading requests and writing answers the way Consul's HTTP API does. */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Consul's `kv_max_value_size`: 512 KiB. */
export const KV_MAX_VALUE_BYTES = 512 * 1024;
/** Largest JSON body the stand-in reads for other endpoints. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** An answer with a status and a plain-text body, as Consul gives for errors. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Most of an oversized body read (and dropped) before answering 413, so the client sees the answer. */
const MAX_DRAINED_BYTES = 64 * 1024 * 1024;

/** The request body, refused with 413 past `limit` bytes (after draining it, as a server that answers does). */
export async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_DRAINED_BYTES) break;
    if (size <= limit) chunks.push(chunk);
  }
  if (size > limit) {
    throw new HttpError(413, `Request body(${size} bytes) too large, max size: ${limit} bytes. See https://developer.hashicorp.com/docs/agent/config/config-files#kv_max_value_size.`);
  }
  return Buffer.concat(chunks);
}

/** The JSON body as an object (empty body: `{}`). */
export async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readBody(request, MAX_JSON_BODY_BYTES);
  if (body.length === 0) return {};
  try {
    const parsed = JSON.parse(body.toString('utf8')) as unknown;
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch (error) {
    throw new HttpError(400, `Request decode failed: ${(error as Error).message}`);
  }
}

/** A JSON answer; `index` sets X-Consul-Index as blocking endpoints do. */
export function sendJson(response: ServerResponse, status: number, body: unknown, index?: number): void {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (index !== undefined) {
    headers['X-Consul-Index'] = String(index);
    headers['X-Consul-KnownLeader'] = 'true';
    headers['X-Consul-LastContact'] = '0';
  }
  response.writeHead(status, headers).end(JSON.stringify(body));
}

/** A plain-text answer (errors, raw KV values). */
export function sendText(response: ServerResponse, status: number, text: string | Buffer, index?: number): void {
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
  if (index !== undefined) headers['X-Consul-Index'] = String(index);
  response.writeHead(status, headers).end(text);
}

/** True when the flag is present (`?recurse`, `?recurse=true`), false for absent or `false`. */
export function flag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  return value !== null && value !== 'false' && value !== '0';
}

/** A non-negative integer query parameter, or undefined; anything else is a 400. */
export function unsignedParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === '') return undefined;
  if (!/^\d+$/.test(value)) throw new HttpError(400, `Invalid ${name} value: "${value}"`);
  return Number(value);
}
