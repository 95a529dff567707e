/** A runner stand-in that says (in Status) it serves one model version and fails every ModelInfer with INTERNAL. */
import * as grpc from '@grpc/grpc-js';
import { startGrpcServer, type StartedGrpcServer } from '@infermesh/common';
import { inferenceProto, runnerProto } from '@infermesh/proto';

export function startBrokenRunner(model: string, version: string): Promise<StartedGrpcServer> {
  const fail = (_call: unknown, callback: grpc.sendUnaryData<never>) => callback({ code: grpc.status.INTERNAL, details: 'broken runner' });
  return startGrpcServer({
    host: '127.0.0.1',
    port: 0,
    maxReceiveMessageBytes: 1 << 20,
    maxSendMessageBytes: 1 << 20,
    services: [
      {
        definition: runnerProto.RunnerControl.service,
        implementation: {
          Status: (_call: unknown, callback: grpc.sendUnaryData<object>) =>
            callback(null, { runner_name: 'broken', device: 'cpu', ready: true, models: [{ name: model, version, state: 'READY' }] }),
        },
      },
      { definition: inferenceProto.GRPCInferenceService.service, implementation: { ModelInfer: fail } },
    ],
  });
}
