/**
 * The runners a gateway knows: a channel and a Status poll per runner, a static list or the
 * runners the registry's routes name.
 */
import * as grpc from '@grpc/grpc-js';
import { OUTLIER_DEFAULTS, type OutlierPolicy } from './OutlierState.js';
import { RunnerEndpoint } from './RunnerEndpoint.js';

export class RunnerPool {
  /** Every runner, in the order they became known. */
  readonly runners: RunnerEndpoint[];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    addresses: readonly string[],
    private readonly maxMessageBytes: number,
    private readonly refreshMs: number,
    private readonly outlier: OutlierPolicy = OUTLIER_DEFAULTS,
    /** How the gateway connects to runners: the mesh's TLS, plaintext by default. */
    private readonly credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  ) {
    this.runners = addresses.map((address) => new RunnerEndpoint(address, maxMessageBytes, outlier, credentials));
  }

  /** Polls every runner now and then every `refreshMs`. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.refreshMs);
    this.timer.unref();
  }

  refresh(): Promise<void> {
    return Promise.all(this.runners.map((r) => r.refresh(this.statusTimeoutMs()))).then(() => undefined);
  }

  /** The runner at `address`, added (and polled from now on) the first time it is asked for. */
  endpoint(address: string): RunnerEndpoint {
    let runner = this.runners.find((r) => r.address === address);
    if (!runner) {
      runner = new RunnerEndpoint(address, this.maxMessageBytes, this.outlier, this.credentials);
      this.runners.push(runner);
      void runner.refresh(this.statusTimeoutMs());
    }
    return runner;
  }

  /** Closes the runners not in `addresses` that have no call in flight (the others go on a later call). */
  retain(addresses: ReadonlySet<string>): void {
    for (let i = this.runners.length - 1; i >= 0; i--) {
      const runner = this.runners[i]!;
      if (addresses.has(runner.address) || runner.outstanding > 0) continue;
      this.runners.splice(i, 1);
      runner.close();
    }
  }

  /** True when some runner is reachable and has finished loading. */
  anyReady(): boolean {
    return this.runners.some((r) => r.healthy && r.status?.ready);
  }

  close(): void {
    clearInterval(this.timer);
    for (const runner of this.runners) runner.close();
  }

  private statusTimeoutMs(): number {
    return Math.max(this.refreshMs, 1_000);
  }
}
