/**
 * A gateway's view of the routes, without the gateway: one WatchRoutes stream to the
 * registry found through Consul, applied as the gateway applies it. The simulation runs many
 * of these to time how long a change takes to reach every gateway.
 */
import * as grpc from '@grpc/grpc-js';
import { registryProto, type ModelRoute__Output, type RegistryClient, type RoutesUpdate__Output } from '@infermesh/proto/registry';

export class RouteFollower {
  readonly routes = new Map<string, ModelRoute__Output>();
  private readonly client: RegistryClient;
  private call: grpc.ClientReadableStream<RoutesUpdate__Output> | undefined;
  private closed = false;

  constructor(
    registryTarget: string,
    private readonly name: string,
    /** Called after every update. */
    private readonly onUpdate: () => void,
  ) {
    // A channel of its own (as a gateway process has), not one shared through grpc-js's subchannel pool.
    this.client = new registryProto.Registry(registryTarget, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });
  }

  start(): void {
    const call = this.client.WatchRoutes({ gateway: this.name }, new grpc.Metadata({ waitForReady: true }));
    this.call = call;
    call.on('data', (update: RoutesUpdate__Output) => {
      if (update.full) this.routes.clear();
      for (const route of update.models) this.routes.set(route.model, route);
      for (const model of update.removed) this.routes.delete(model);
      this.onUpdate();
    });
    call.on('error', () => {});
    call.on('status', () => {
      if (!this.closed) setTimeout(() => this.start(), 100).unref();
    });
  }

  /** The runners this follower routes `version` of `model` to. */
  runners(model: string, version: number): string[] {
    return this.routes.get(model)?.versions.find((entry) => entry.version === version)?.runners ?? [];
  }

  close(): void {
    this.closed = true;
    this.call?.cancel();
    this.client.close();
  }
}
