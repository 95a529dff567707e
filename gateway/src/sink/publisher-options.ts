/**
 * The publisher's settings from the mesh config: the sink's address and `sink.publisher`,
 * validated by the same schema the sink uses, so a gateway started alone fails the same way.
 */
import {
  ConfigError,
  parseSinkPublisherConfig,
  SINK_DEFAULT_HOST,
  SINK_DEFAULT_PORT,
  type EnvironmentOverrides,
  type Logger,
  type MeshConfig,
} from '@infermesh/common';
import type { SinkPublisherOptions } from './SinkPublisher.js';

/** `sink.port` when it is set: the sink validates its whole section, the gateway only what it reads. */
function sinkPort(value: unknown): number {
  if (value === undefined) return SINK_DEFAULT_PORT;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 65_535) {
    throw new ConfigError(`sink.port: expected an integer 0..65535, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Publisher options for a gateway, or undefined when the mesh has no sink (no `sink:`
 * section and no INFERMESH_SINK_ADDRESS). The address is INFERMESH_SINK_ADDRESS, else
 * `sink.publisher.address`, else `sink.host:sink.port` (127.0.0.1:8201).
 */
export function sinkPublisherOptions(mesh: MeshConfig, env: EnvironmentOverrides, logger: Logger): SinkPublisherOptions | undefined {
  if (mesh.sink === undefined && env.sinkAddress === undefined) return undefined;
  const sink = mesh.sink ?? {};
  const host = typeof sink.host === 'string' ? sink.host : SINK_DEFAULT_HOST;
  const port = sinkPort(sink.port);
  const { address, ...publisher } = parseSinkPublisherConfig(sink.publisher);
  return {
    ...publisher,
    address: env.sinkAddress ?? address ?? `${host}:${port}`,
    logger,
    maxMessageBytes: mesh.limits.maxMessageBytes,
  };
}
