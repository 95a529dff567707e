/** The gateway's view of one runner: its channel, what it serves, and its load. */
import * as grpc from '@grpc/grpc-js';
import { clientChannelOptions, unaryCall } from '@infermesh/common';
import {
  inferenceProto,
  runnerProto,
  type GRPCInferenceServiceClient,
  type RunnerControlClient,
  type StatusResponse__Output,
} from '@infermesh/proto';
import { OUTLIER_DEFAULTS, OutlierState, type OutlierPolicy } from './OutlierState.js';

export class RunnerEndpoint {
  /** Generic client for pass-through calls (bytes in, bytes out). */
  readonly channel: grpc.Client;
  private readonly control: RunnerControlClient;
  private typed: GRPCInferenceServiceClient | undefined;
  /** Calls sent and not yet answered, for power-of-two-choices. */
  outstanding = 0;
  /** Consecutive failures on the runner's side; picks leave it out while ejected. */
  readonly outlier: OutlierState;
  /** Last Status answered; undefined until the first one. */
  status: StatusResponse__Output | undefined;
  /** False after a failed Status or a broken connection, until the next good Status. */
  healthy = false;
  /**
   * CPU cores the runner process used between its last two Status answers (1 = one core
   * busy); undefined until two answers, or from a runner that does not report CPU time.
   */
  cpuCores: number | undefined;
  /** model → READY versions. */
  private ready = new Map<string, Set<string>>();

  constructor(
    readonly address: string,
    maxMessageBytes: number,
    outlier: OutlierPolicy = OUTLIER_DEFAULTS,
    private readonly credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  ) {
    this.outlier = new OutlierState(outlier);
    const options = clientChannelOptions(maxMessageBytes);
    this.channel = new grpc.Client(address, credentials, options);
    // The control client shares the pass-through client's channel.
    this.control = new runnerProto.RunnerControl(address, credentials, {
      ...options,
      channelOverride: this.channel.getChannel(),
    });
  }

  /** Typed client of the runner's GRPCInferenceService (metadata, config, statistics), on the same channel. */
  get inference(): GRPCInferenceServiceClient {
    this.typed ??= new inferenceProto.GRPCInferenceService(this.address, this.credentials, {
      channelOverride: this.channel.getChannel(),
    });
    return this.typed;
  }

  /** Asks the runner what it serves; marks it unhealthy when it does not answer. */
  async refresh(timeoutMs: number): Promise<void> {
    try {
      const status = await unaryCall<StatusResponse__Output>((done) => this.control.Status({}, { deadline: Date.now() + timeoutMs }, done));
      const ready = new Map<string, Set<string>>();
      for (const model of status.models) {
        if (model.state !== 'READY') continue;
        const versions = ready.get(model.name) ?? new Set<string>();
        versions.add(model.version);
        ready.set(model.name, versions);
      }
      this.cpuCores = cpuCoresBetween(this.status, status);
      this.status = status;
      this.ready = ready;
      if (!this.healthy) this.outlier.reset();
      this.healthy = true;
    } catch {
      this.healthy = false;
    }
  }

  /** True when the runner has this version READY. */
  serves(model: string, version: string): boolean {
    return this.ready.get(model)?.has(version) ?? false;
  }

  /** READY versions of a model here. */
  readyVersions(model: string): Iterable<string> {
    return this.ready.get(model) ?? [];
  }

  /** True when the runner's last Status listed the model in any state. */
  knows(model: string): boolean {
    return this.status?.models.some((m) => m.name === model) ?? false;
  }

  close(): void {
    this.typed?.close();
    this.control.close();
    this.channel.close();
  }
}

/** CPU cores used between two Status answers of one runner process, by its own clock. */
function cpuCoresBetween(before: StatusResponse__Output | undefined, after: StatusResponse__Output): number | undefined {
  if (!before) return undefined;
  const elapsedMs = Number(after.uptime_ms) - Number(before.uptime_ms);
  const cpuMs = (Number(after.cpu_micros) - Number(before.cpu_micros)) / 1000;
  // A restarted runner (uptime went back) or one too old to report CPU time says nothing.
  if (elapsedMs <= 0 || cpuMs < 0 || Number(after.cpu_micros) === 0) return undefined;
  return cpuMs / elapsedMs;
}
