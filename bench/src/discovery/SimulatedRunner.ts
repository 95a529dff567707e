/**
 * A runner for the discovery simulation: RunnerControl answered from memory (every load is
 * READY at once, no onnxruntime), a gRPC health service, an entry in Consul and a
 * registration with the registry found through Consul. Two hundred of them fit in one
 * process, which is the point: the simulation measures discovery and routes, not inference.
 */
import { RegistryClient } from '@infermesh/client';
import { INFERMESH_VERSION, startGrpcServer, unaryHandler, type Logger, type StartedGrpcServer } from '@infermesh/common';
import { joinConsul, type ConsulDiscovery, type ConsulPresence } from '@infermesh/common/discovery';
import { runnerProto } from '@infermesh/proto';

interface Held {
  name: string;
  version: string;
  artifact_path: string;
}

export class SimulatedRunner {
  private constructor(
    readonly name: string,
    readonly address: string,
    private readonly server: StartedGrpcServer,
    private readonly presence: ConsulPresence,
  ) {}

  /** Starts serving, registers in Consul, and registers with the registry at `registryTarget` (retried until it answers). */
  static async start(name: string, registryTarget: string, discovery: ConsulDiscovery, logger: Logger): Promise<SimulatedRunner> {
    const held = new Map<string, Held>();
    const status = (model: Held) => ({ ...model, state: 'READY' });
    const server = await startGrpcServer({
      host: '127.0.0.1',
      port: 0,
      maxReceiveMessageBytes: 1024 * 1024,
      maxSendMessageBytes: 16 * 1024 * 1024,
      services: [
        {
          definition: runnerProto.RunnerControl.service,
          implementation: {
            Status: unaryHandler(logger, 'Status', () => ({ runner_name: name, device: 'cpu', ready: true, models: [...held.values()].map(status), version: INFERMESH_VERSION })),
            LoadModel: unaryHandler(logger, 'LoadModel', (request: { name: string; version: string; artifact_path: string }) => {
              const model = { name: request.name, version: request.version, artifact_path: request.artifact_path };
              held.set(`${model.name}/${model.version}`, model);
              return { model: status(model) };
            }),
            UnloadModel: unaryHandler(logger, 'UnloadModel', (request: { name: string; version: string }) => {
              held.delete(`${request.name}/${request.version}`);
              return {};
            }),
          },
        },
      ],
    });
    const presence = await joinConsul(discovery, { kind: 'runner', listenHost: '127.0.0.1', port: server.port, tls: false, meta: { runner: name, device: 'cpu' }, tags: ['cpu'], logger });
    const registry = new RegistryClient(registryTarget);
    try {
      for (;;) {
        try {
          await registry.registerRunner({ name, address: server.address, device: 'cpu', memory_bytes: 0, version: INFERMESH_VERSION });
          break;
        } catch {
          // The registry is not found in Consul yet.
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      }
    } finally {
      registry.close();
    }
    return new SimulatedRunner(name, server.address, server, presence);
  }

  /** Its health service answers SERVING or NOT_SERVING, so that Consul's check passes or fails. */
  setServing(serving: boolean): void {
    this.server.health.setStatus('', serving ? 'SERVING' : 'NOT_SERVING');
  }

  async close(): Promise<void> {
    await this.presence.leave();
    await this.server.close();
  }
}
