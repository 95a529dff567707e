/**
 * Calls without pause through each of several gateways, from the test process (outside every
 * process under test), until stopped: how many were answered, how many failed and why, and
 * which versions answered. Counters can be read at any time, and windows opened on them.
 */
import { mlpInput } from '../registry/models.js';
import type { MeshGateway } from './discovered-mesh.js';

/** What the load saw. */
export interface LoadCounts {
  calls: number;
  failed: number;
  /** Up to 10 failures, `<code> <details>`. */
  failures: string[];
  /** Answered calls by model version. */
  versions: Record<string, number>;
}

export class SteadyLoad {
  private running = true;
  private readonly counts: LoadCounts = { calls: 0, failed: 0, failures: [], versions: {} };
  private readonly workers: Promise<void>[];

  /** Starts `perGateway` callers of `model` on each gateway, back to back. */
  constructor(gateways: readonly MeshGateway[], perGateway: number, model = 'mlp') {
    this.workers = gateways.flatMap((gateway) => Array.from({ length: perGateway }, () => this.work(gateway, model)));
  }

  /** The counts so far (a copy). */
  snapshot(): LoadCounts {
    return { ...this.counts, failures: [...this.counts.failures], versions: { ...this.counts.versions } };
  }

  /** The counts since `before`. */
  since(before: LoadCounts): Pick<LoadCounts, 'calls' | 'failed'> {
    return { calls: this.counts.calls - before.calls, failed: this.counts.failed - before.failed };
  }

  /** Stops the callers; resolves with the counts once every call in flight has ended. */
  async stop(): Promise<LoadCounts> {
    this.running = false;
    await Promise.all(this.workers);
    return this.snapshot();
  }

  private async work(gateway: MeshGateway, model: string): Promise<void> {
    while (this.running) {
      try {
        const result = await gateway.client.infer(model, mlpInput(), { timeoutMs: 20_000 });
        this.counts.versions[result.modelVersion] = (this.counts.versions[result.modelVersion] ?? 0) + 1;
      } catch (error) {
        this.counts.failed++;
        if (this.counts.failures.length < 10) this.counts.failures.push(`${gateway.process.name}: ${(error as { code?: number }).code} ${(error as { details?: string }).details}`);
      }
      this.counts.calls++;
    }
  }
}
