/** A grpc.health.v1 client for discovery tests: which server answered a Check, by its port. */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

/** The health service's client. */
export interface HealthClient extends grpc.Client {
  Check(request: { service: string }, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: { status: string }) => void): grpc.ClientUnaryCall;
}

const healthPackage = grpc.loadPackageDefinition(protoLoader.loadSync(protoPath, { keepCase: true, enums: String, defaults: true })) as unknown as {
  grpc: { health: { v1: { Health: new (target: string, credentials: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => HealthClient } } };
};

/** A client of `target` (`etcd:///<service>`...), without TLS. */
export function healthClient(target: string): HealthClient {
  return new healthPackage.grpc.health.v1.Health(target, grpc.credentials.createInsecure());
}

/** The status `client`'s server gives `service` (SERVING, NOT_SERVING...), or the error's code and details. */
export function healthStatus(client: HealthClient, service: string): Promise<string> {
  return new Promise((resolve) => {
    client.Check({ service }, { deadline: Date.now() + 2_000 }, (error, response) => resolve(error ? `code ${error.code}: ${error.details}` : (response?.status ?? '')));
  });
}

/** Which server answered one health check through `client`, by its port; or the error's code and details. */
export function healthCheck(client: HealthClient): Promise<number | string> {
  return new Promise((resolve) => {
    const call = client.Check({ service: '' }, { deadline: Date.now() + 2_000 }, (error) => resolve(error ? `code ${error.code}: ${error.details}` : Number(call.getPeer().split(':').pop())));
  });
}
