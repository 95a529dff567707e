/**
 * One gRPC health check as the Consul agent runs it: grpc.health.v1.Health/Check against
 * `host:port` (or `host:port/service`), plaintext or TLS, within the check's timeout;
 * SERVING is passing, anything else (or no answer) critical.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';

interface HealthClient extends grpc.Client {
  Check(request: { service: string }, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: { status: string }) => void): void;
}

const definition = protoLoader.loadSync(protoPath, { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true });
const healthPackage = grpc.loadPackageDefinition(definition) as unknown as {
  grpc: { health: { v1: { Health: new (address: string, credentials: grpc.ChannelCredentials) => HealthClient } } };
};

/** How to reach the checked server. */
export interface GrpcProbeTarget {
  /** `host:port` or `host:port/service`, as in the check's `GRPC` field. */
  grpc: string;
  useTls: boolean;
  /** CA of the checked server's certificate (the agent's `ca_file`); absent: the system roots. */
  ca?: Buffer;
  skipVerify: boolean;
  timeoutMs: number;
}

/** The outcome: passing or critical, with Consul-like output. */
export async function probeGrpcHealth(target: GrpcProbeTarget): Promise<{ status: 'passing' | 'critical'; output: string }> {
  const slash = target.grpc.indexOf('/');
  const address = slash < 0 ? target.grpc : target.grpc.slice(0, slash);
  const service = slash < 0 ? '' : target.grpc.slice(slash + 1);
  const credentials = target.useTls
    ? grpc.credentials.createSsl(target.ca ?? null, null, null, target.skipVerify ? { checkServerIdentity: () => undefined, rejectUnauthorized: false } : {})
    : grpc.credentials.createInsecure();
  const client = new healthPackage.grpc.health.v1.Health(address, credentials);
  try {
    const status = await new Promise<string>((resolve, reject) =>
      client.Check({ service }, { deadline: Date.now() + target.timeoutMs }, (error, response) => (error ? reject(error) : resolve(response?.status ?? 'UNKNOWN'))),
    );
    if (status === 'SERVING') return { status: 'passing', output: `gRPC check ${target.grpc}: success` };
    return { status: 'critical', output: `gRPC check ${target.grpc}: failed with status ${status}` };
  } catch (error) {
    return { status: 'critical', output: `gRPC check ${target.grpc}: failed: ${(error as Error).message}` };
  } finally {
    client.close();
  }
}
