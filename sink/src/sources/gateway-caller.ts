/** The sources' way into the mesh: ModelInfer through the gateway, so results reach the sink like any other record. */
import * as grpc from '@grpc/grpc-js';
import { clientChannelOptions, clientSecurity, type ClientSecurity, type ErrorCode } from '@infermesh/common';
import { inferenceProto, type GRPCInferenceServiceClient, type ModelInferRequest } from '@infermesh/proto';

/** The code of a call that succeeded (gRPC's OK). */
export const CALL_OK = 0;

/** How a call ended: {@link CALL_OK}, or the gRPC error's code (the ErrorCode of the same name) and details. */
export interface CallOutcome {
  code: typeof CALL_OK | ErrorCode;
  details: string;
}

export class GatewayCaller {
  private readonly client: GRPCInferenceServiceClient;

  constructor(
    readonly address: string,
    maxMessageBytes: number,
    security: ClientSecurity = {},
  ) {
    const { credentials, options } = clientSecurity(security);
    this.client = new inferenceProto.GRPCInferenceService(address, credentials, { ...clientChannelOptions(maxMessageBytes), ...options });
  }

  /** One ModelInfer; never rejects. The call carries `x-infermesh-source` naming the source. */
  infer(request: ModelInferRequest, source: string, timeoutMs: number): Promise<CallOutcome> {
    const metadata = new grpc.Metadata();
    metadata.set('x-infermesh-source', source);
    return new Promise((resolve) => {
      this.client.ModelInfer(request, metadata, { deadline: Date.now() + timeoutMs }, (error) =>
        resolve(error ? { code: error.code as ErrorCode, details: error.details } : { code: CALL_OK, details: '' }),
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
