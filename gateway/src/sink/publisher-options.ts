/**
 * The publisher's settings from the mesh config: the sink's address and `sink.publisher`.
 * The sink validates the same keys with its schema; this reads only what the gateway needs,
 * with messages that name the key, so a gateway started alone fails the same way.
 */
import { ConfigError, type EnvironmentOverrides, type Logger, type MeshConfig } from '@infermesh/common';
import type { SinkPublisherOptions } from './SinkPublisher.js';

const DEFAULT_SINK_PORT = 8201;

type Section = Record<string, unknown>;

function section(value: unknown, key: string): Section {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${key}: expected a mapping`);
  return value as Section;
}

function integer(value: unknown, key: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${key}: expected an integer ${min}..${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function names(value: unknown, key: string, pattern: RegExp): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || !pattern.test(item))) {
    throw new ConfigError(`${key}: expected a list of names matching ${pattern}, got ${JSON.stringify(value)}`);
  }
  return value as string[];
}

/**
 * Publisher options for a gateway, or undefined when the mesh has no sink (no `sink:`
 * section and no INFERMESH_SINK_ADDRESS). The address is INFERMESH_SINK_ADDRESS, else
 * `sink.publisher.address`, else `sink.host:sink.port` (127.0.0.1:8201).
 */
export function sinkPublisherOptions(mesh: MeshConfig, env: EnvironmentOverrides, logger: Logger): SinkPublisherOptions | undefined {
  if (mesh.sink === undefined && env.sinkAddress === undefined) return undefined;
  const sink = section(mesh.sink, 'sink');
  const publisher = section(sink.publisher, 'sink.publisher');
  const host = typeof sink.host === 'string' ? sink.host : '127.0.0.1';
  const port = integer(sink.port, 'sink.port', 0, 65_535) ?? DEFAULT_SINK_PORT;
  const configured = publisher.address;
  if (configured !== undefined && (typeof configured !== 'string' || !/^[^\s:]+:\d{1,5}$/.test(configured))) {
    throw new ConfigError(`sink.publisher.address: expected host:port, got ${JSON.stringify(configured)}`);
  }
  const mustNotLose = publisher.mustNotLose;
  if (mustNotLose !== undefined && typeof mustNotLose !== 'boolean') {
    throw new ConfigError(`sink.publisher.mustNotLose: expected true or false, got ${JSON.stringify(mustNotLose)}`);
  }
  const options: SinkPublisherOptions = {
    address: env.sinkAddress ?? (configured as string | undefined) ?? `${host}:${port}`,
    logger,
    maxMessageBytes: mesh.limits.maxMessageBytes,
    mustNotLose: mustNotLose ?? false,
  };
  const maxBufferedRecords = integer(publisher.maxBufferedRecords, 'sink.publisher.maxBufferedRecords', 1, 10_000_000);
  const maxBufferedBytes = integer(publisher.maxBufferedBytes, 'sink.publisher.maxBufferedBytes', 64 * 1024, 2 ** 34);
  const maxTensorBytes = integer(publisher.maxTensorBytes, 'sink.publisher.maxTensorBytes', 1024, 64 * 1024 * 1024);
  const captureInputs = names(publisher.captureInputs, 'sink.publisher.captureInputs', /^(\*|[^\s]{1,256})$/);
  const headers = names(publisher.headers, 'sink.publisher.headers', /^(\*|[a-z0-9][a-z0-9_.-]*)$/);
  if (maxBufferedRecords !== undefined) options.maxBufferedRecords = maxBufferedRecords;
  if (maxBufferedBytes !== undefined) options.maxBufferedBytes = maxBufferedBytes;
  if (maxTensorBytes !== undefined) options.maxTensorBytes = maxTensorBytes;
  if (captureInputs !== undefined) options.captureInputs = captureInputs;
  if (headers !== undefined) options.headers = headers;
  return options;
}
