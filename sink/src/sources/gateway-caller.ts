/** The sources' way into the mesh: ModelInfer through the gateway, so results reach the sink like any other record. */
import * as grpc from '@grpc/grpc-js';
import { clientChannelOptions } from '@infermesh/common';
import { inferenceProto, type GRPCInferenceServiceClient, type ModelInferRequest } from '@infermesh/proto';

/** How a call ended: OK or the gRPC error's code and details. */
export interface CallOutcome {
  code: grpc.status;
  details: string;
}

export class GatewayCaller {
  private readonly client: GRPCInferenceServiceClient;

  constructor(
    readonly address: string,
    maxMessageBytes: number,
  ) {
    this.client = new inferenceProto.GRPCInferenceService(address, grpc.credentials.createInsecure(), clientChannelOptions(maxMessageBytes));
  }

  /** One ModelInfer; never rejects. The call carries `x-infermesh-source` naming the source. */
  infer(request: ModelInferRequest, source: string, timeoutMs: number): Promise<CallOutcome> {
    const metadata = new grpc.Metadata();
    metadata.set('x-infermesh-source', source);
    return new Promise((resolve) => {
      this.client.ModelInfer(request, metadata, { deadline: Date.now() + timeoutMs }, (error) =>
        resolve(error ? { code: error.code, details: error.details } : { code: grpc.status.OK, details: '' }),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
