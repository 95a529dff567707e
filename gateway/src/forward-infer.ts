/**
 * Forwards one serialized ModelInferRequest to a runner and returns the serialized response,
 * never decoding tensors. The caller's deadline and cancellation reach the runner through
 * grpc-js's `parent` propagation; UNAVAILABLE is retried on another runner.
 */
import * as grpc from '@grpc/grpc-js';
import { MODEL_INFER_PATH } from '@infermesh/proto';
import type { RunnerEndpoint } from './RunnerEndpoint.js';
import type { RunnerPool } from './RunnerPool.js';
import type { InferRequestHeader } from './wire.js';

/** Attempts per call, first included. */
const MAX_ATTEMPTS = 3;

const passThrough = (value: Buffer): Buffer => value;

/** The incoming call a forwarded call inherits its deadline and cancellation from. */
export type ParentCall = NonNullable<grpc.CallOptions['parent']>;

function callRunner(
  runner: RunnerEndpoint,
  request: Buffer,
  metadata: grpc.Metadata,
  parent: ParentCall,
): Promise<Buffer> {
  runner.outstanding++;
  return new Promise<Buffer>((resolve, reject) => {
    runner.channel.makeUnaryRequest<Buffer, Buffer>(
      MODEL_INFER_PATH,
      passThrough,
      passThrough,
      request,
      metadata,
      { parent },
      (error, response) => {
        runner.outstanding--;
        if (error || !response) reject(error ?? new Error('empty response'));
        else resolve(response);
      },
    );
  });
}

/** Where a forwarded call went, for observers; filled in as the call proceeds. */
export interface ForwardTrace {
  version: string;
  runner: string;
}

/** Sends the request to a runner that serves its model and version. */
export async function forwardInfer(
  pool: RunnerPool,
  header: InferRequestHeader,
  request: Buffer,
  parent: ParentCall,
  trace: ForwardTrace = { version: '', runner: '' },
): Promise<Buffer> {
  const metadata = parent.metadata.clone();
  const tried = new Set<RunnerEndpoint>();
  for (;;) {
    const { runner, version } = pool.pick(header.modelName, header.modelVersion, tried);
    tried.add(runner);
    trace.version = version;
    trace.runner = runner.address;
    try {
      return await callRunner(runner, request, metadata, parent);
    } catch (error) {
      const code = (error as grpc.ServiceError).code;
      const retry = code === grpc.status.UNAVAILABLE && !parent.cancelled && tried.size < MAX_ATTEMPTS;
      if (!retry) throw error;
    }
  }
}
