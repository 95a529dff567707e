/**
 * Whether a process can reach its discovery backend now, as its status page and health say:
 * a backend that cannot be reached leaves the process on the instances it last heard, and
 * the log says so once when that starts and once when it ends.
 */
import type { Logger } from '../log/logger.js';

/**
 * The grpc.health.v1 service name under which a server says whether its discovery backend
 * can be reached: NOT_SERVING while it cannot (the server itself, `''`, goes on serving).
 */
export const DISCOVERY_HEALTH_SERVICE = 'infermesh.discovery';

/** The discovery backend as a status page shows it. */
export interface DiscoveryHealth {
  /** `consul` or `etcd`. */
  backend: string;
  /** False while the backend cannot be reached: routes and instances are the ones last heard. */
  reachable: boolean;
  /** Epoch ms the current state began. */
  sinceMs: number;
  /** Why it cannot be reached; absent while it can. */
  error?: string;
}

export class Reachability {
  private reachable = true;
  private sinceMs = Date.now();
  private error: string | undefined;
  private readonly listeners: ((health: DiscoveryHealth) => void)[] = [];

  constructor(
    private readonly backend: string,
    private readonly logger: Logger,
  ) {}

  /** The backend answered. */
  ok(): void {
    if (this.reachable) return;
    this.logger.info({ backend: this.backend, unreachableForMs: Date.now() - this.sinceMs }, `${this.backend} can be reached again; following its changes`);
    this.reachable = true;
    this.sinceMs = Date.now();
    this.error = undefined;
    this.tell();
  }

  /** The backend could not be reached: `reason` says why. */
  failed(reason: string): void {
    this.error = reason;
    if (!this.reachable) return;
    this.logger.warn({ backend: this.backend, reason }, `${this.backend} cannot be reached; keeping the instances and routes last heard`);
    this.reachable = false;
    this.sinceMs = Date.now();
    this.tell();
  }

  /** Calls `listener` with the health now, and again each time the backend becomes reachable or unreachable. */
  watch(listener: (health: DiscoveryHealth) => void): void {
    this.listeners.push(listener);
    listener(this.health());
  }

  private tell(): void {
    for (const listener of this.listeners) listener(this.health());
  }

  health(): DiscoveryHealth {
    return { backend: this.backend, reachable: this.reachable, sinceMs: this.sinceMs, ...(this.error === undefined ? {} : { error: this.error }) };
  }
}
