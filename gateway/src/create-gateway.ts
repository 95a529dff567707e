/** Builds and starts a gateway: the public API in front of a pool of runners. */
import { startGrpcServer, type Logger } from '@infermesh/common';
import { gatewayHandlers, gatewayServiceDefinition } from './inference-service.js';
import type { InferObserver } from './InferObserver.js';
import { RunnerPool } from './RunnerPool.js';

/** Everything a gateway needs; `main.ts` derives it from the mesh config. */
export interface GatewayConfig {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Runner addresses, host:port. */
  runners: string[];
  runnerRefreshMs: number;
  maxMessageBytes: number;
  logger: Logger;
  /** Told about every forwarded inference (sink publisher, registry reporter). */
  observers?: InferObserver[];
}

/** A started gateway. */
export interface Gateway {
  port: number;
  address: string;
  pool: RunnerPool;
  close(): Promise<void>;
}

export async function createGateway(config: GatewayConfig): Promise<Gateway> {
  if (config.runners.length === 0) throw new Error('gateway: no runners configured (gateway.runners or runners)');
  const pool = new RunnerPool(config.runners, config.maxMessageBytes, config.runnerRefreshMs);
  await pool.start();
  const server = await startGrpcServer({
    host: config.host,
    port: config.port,
    maxReceiveMessageBytes: config.maxMessageBytes,
    maxSendMessageBytes: config.maxMessageBytes,
    services: [{ definition: gatewayServiceDefinition, implementation: gatewayHandlers(pool, config.logger, config.observers) }],
  });
  return {
    port: server.port,
    address: server.address,
    pool,
    async close() {
      await server.close();
      pool.close();
    },
  };
}
