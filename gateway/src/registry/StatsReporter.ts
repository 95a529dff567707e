/**
 * Reports per-version calls, server-side errors and latency to the registry at the pace it
 * asks for; the registry judges canaries by them. A report that cannot be sent is dropped:
 * the registry judges recent calls only.
 */
import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@infermesh/common';
import type { RegistryClient, VersionStats } from '@infermesh/proto/registry';
import type { InferEvent, InferObserver } from '../InferObserver.js';
import { LATENCY_BOUNDS_MS, latencyBucket } from './latency-buckets.js';

/** Codes that are the caller's doing, not the version's. */
const CALLER_CODES = new Set([
  grpc.status.OK,
  grpc.status.INVALID_ARGUMENT,
  grpc.status.NOT_FOUND,
  grpc.status.CANCELLED,
  grpc.status.ALREADY_EXISTS,
  grpc.status.PERMISSION_DENIED,
  grpc.status.UNAUTHENTICATED,
  grpc.status.OUT_OF_RANGE,
]);

/** Versions tracked between two reports at most; routes name far fewer. */
const MAX_VERSIONS = 10_000;

interface Tally {
  model: string;
  version: number;
  requests: number;
  errors: number;
  buckets: number[];
}

export class StatsReporter implements InferObserver {
  private tallies = new Map<string, Tally>();
  private timer: NodeJS.Timeout | undefined;
  private intervalMs = 1_000;
  private closed = false;

  constructor(
    private readonly client: RegistryClient,
    private readonly gateway: string,
    private readonly logger: Logger,
  ) {}

  /** Reports every `intervalMs` from now on (the registry says how often in its routes). */
  setIntervalMs(intervalMs: number): void {
    if (intervalMs <= 0 || intervalMs === this.intervalMs) return;
    this.intervalMs = intervalMs;
    this.schedule();
  }

  start(): void {
    this.schedule();
  }

  onInfer(event: InferEvent): void {
    // A call that reached no runner (no route yet) says nothing about the version itself.
    if (event.version === '' || event.runner === '') return;
    const key = `${event.modelName}\u0000${event.version}`;
    let tally = this.tallies.get(key);
    if (!tally) {
      const version = Number(event.version);
      if (!Number.isInteger(version) || version <= 0 || this.tallies.size >= MAX_VERSIONS) return;
      tally = { model: event.modelName, version, requests: 0, errors: 0, buckets: new Array<number>(LATENCY_BOUNDS_MS.length).fill(0) };
      this.tallies.set(key, tally);
    }
    tally.requests++;
    if (!CALLER_CODES.has(event.code)) tally.errors++;
    tally.buckets[latencyBucket(event.latencyMs)]!++;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.flush();
      this.schedule();
    }, this.intervalMs);
    this.timer.unref();
  }

  private flush(): void {
    if (this.tallies.size === 0) return;
    const stats: VersionStats[] = [...this.tallies.values()].map((tally) => ({
      model: tally.model,
      version: tally.version,
      requests: tally.requests,
      errors: tally.errors,
      latency: tally.buckets.flatMap((count, i) => (count > 0 ? [{ le_ms: LATENCY_BOUNDS_MS[i]!, count }] : [])),
    }));
    this.tallies = new Map();
    this.client.ReportStats({ gateway: this.gateway, stats }, { deadline: Date.now() + 2_000 }, (error) => {
      if (error) this.logger.debug({ code: error.code, reason: error.details }, 'could not report stats to the registry');
    });
  }
}
