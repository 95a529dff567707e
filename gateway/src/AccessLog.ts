/**
 * The access log (`gateway.accessLog: true`): one info line per forwarded call, written by an
 * InferObserver after the caller has its answer, so that a gateway without it pays nothing.
 * Each line says model, version, runner (its name, as on its metrics) and address, the gRPC
 * code, the gateway's time in µs, the request id and the trace id (the gateway's span's, else
 * the caller's traceparent's).
 */
import { status } from '@grpc/grpc-js';
import type { Logger } from '@infermesh/common';
import type { InferEvent, InferObserver } from './InferObserver.js';
import type { RunnerPool } from './RunnerPool.js';
import { traceIdOf, traceIdOfTraceparent } from './sink/trace-id.js';

export class AccessLog implements InferObserver {
  private readonly logger: Logger;

  constructor(
    logger: Logger,
    private readonly pool: RunnerPool,
  ) {
    this.logger = logger.child({ log: 'access' });
  }

  onInfer(event: InferEvent): void {
    const runner = event.runner === '' ? undefined : this.pool.runners.find((r) => r.address === event.runner);
    this.logger.info(
      {
        model: event.modelName,
        version: event.version,
        runner: runner?.status?.runner_name ?? '',
        address: event.runner,
        code: status[event.code] ?? String(event.code),
        us: Math.round(event.latencyMs * 1000),
        request_id: event.requestId,
        trace_id: traceIdOfTraceparent(event.traceparent) || traceIdOf(event.headers),
      },
      'call',
    );
  }
}
